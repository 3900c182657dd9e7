package dev.ratchet.attestation.cbor;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A strict, bounded reader of definite-length CBOR, for parsing evidence from untrusted peers.
 *
 * <p>Every read checks the major type and that the item fits in the remaining input, and throws
 * {@link CborException} otherwise: a hostile length can never cause a large allocation or an
 * out-of-bounds read. Indefinite lengths, tags and floats are refused, because no Ratchet format
 * uses them. Callers read items in the order they expect, pulling sizes with {@link #array()} and
 * {@link #map()}.
 */
public final class CborReader {
    private final byte[] input;
    private int position;

    /** Creates a reader over the whole of {@code input}. */
    public CborReader(byte[] input) {
        this.input = input;
    }

    /** Returns whether every byte of the input has been read. */
    public boolean atEnd() {
        return position == input.length;
    }

    /** Returns the offset of the next unread byte. */
    public int position() {
        return position;
    }

    /** Throws unless every byte of the input has been read; trailing bytes are a format error. */
    public void requireEnd() throws CborException {
        if (!atEnd()) {
            throw new CborException((input.length - position) + " trailing bytes at offset " + position);
        }
    }

    /** Reads an unsigned integer that must fit in a non-negative {@code long}. */
    public long uint() throws CborException {
        long value = argument(0);
        if (value < 0) {
            throw new CborException("unsigned integer too large at offset " + position);
        }
        return value;
    }

    /** Reads a signed integer (major type 0 or 1) that fits in a {@code long}. */
    public long integer() throws CborException {
        int major = peekMajorType();
        if (major == 0) {
            return uint();
        }
        long magnitude = argument(1);
        if (magnitude < 0) {
            throw new CborException("negative integer too large at offset " + position);
        }
        return -1 - magnitude;
    }

    /** Reads a byte string of at most {@code maxLength} bytes. */
    public byte[] bytes(int maxLength) throws CborException {
        int length = length(2, maxLength);
        byte[] value = new byte[length];
        System.arraycopy(input, position, value, 0, length);
        position += length;
        return value;
    }

    /** Reads a byte string, or null (returned as {@code null}), of at most {@code maxLength} bytes. */
    public byte[] bytesOrNull(int maxLength) throws CborException {
        if (peekNull()) {
            position++;
            return null;
        }
        return bytes(maxLength);
    }

    /** Reads a UTF-8 text string of at most {@code maxLength} bytes; invalid UTF-8 is an error. */
    public String text(int maxLength) throws CborException {
        int length = length(3, maxLength);
        try {
            String value = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(input, position, length))
                    .toString();
            position += length;
            return value;
        } catch (CharacterCodingException e) {
            throw new CborException("text string is not valid UTF-8 at offset " + position);
        }
    }

    /** Reads an array head and returns its item count, which must be at most {@code maxItems}. */
    public int array(int maxItems) throws CborException {
        return count(4, maxItems);
    }

    /** Reads a map head and returns its pair count, which must be at most {@code maxPairs}. */
    public int map(int maxPairs) throws CborException {
        return count(5, maxPairs);
    }

    /** Returns whether the next item is null. */
    public boolean peekNull() throws CborException {
        requireAvailable(1);
        return (input[position] & 0xff) == 0xf6;
    }

    /** Returns the major type (0..7) of the next item without consuming it. */
    public int peekMajorType() throws CborException {
        requireAvailable(1);
        return (input[position] & 0xff) >>> 5;
    }

    /**
     * Skips one whole item, nested arrays and maps included, up to {@code maxDepth} levels deep.
     */
    public void skip(int maxDepth) throws CborException {
        if (maxDepth < 0) {
            throw new CborException("nesting too deep at offset " + position);
        }
        int major = peekMajorType();
        switch (major) {
            case 0, 1 -> integer();
            case 2 -> bytes(input.length);
            case 3 -> text(input.length);
            case 4 -> {
                int items = array(input.length);
                for (int i = 0; i < items; i++) {
                    skip(maxDepth - 1);
                }
            }
            case 5 -> {
                int pairs = map(input.length);
                for (int i = 0; i < 2 * pairs; i++) {
                    skip(maxDepth - 1);
                }
            }
            case 7 -> {
                int initial = input[position] & 0xff;
                if (initial != 0xf4 && initial != 0xf5 && initial != 0xf6) {
                    throw new CborException("unsupported simple value at offset " + position);
                }
                position++;
            }
            default -> throw new CborException("unsupported major type " + major + " at offset " + position);
        }
    }

    private int count(int majorType, int max) throws CborException {
        long count = argument(majorType);
        if (count < 0 || count > max) {
            throw new CborException("count " + count + " exceeds limit " + max + " at offset " + position);
        }
        // Each item takes at least one byte, so a count beyond the remaining input is a lie.
        if (count > input.length - position) {
            throw new CborException("count " + count + " exceeds remaining input at offset " + position);
        }
        return (int) count;
    }

    private int length(int majorType, int max) throws CborException {
        long length = argument(majorType);
        if (length < 0 || length > max) {
            throw new CborException("length " + length + " exceeds limit " + max + " at offset " + position);
        }
        requireAvailable((int) length);
        return (int) length;
    }

    private long argument(int expectedMajorType) throws CborException {
        requireAvailable(1);
        int initial = input[position] & 0xff;
        int major = initial >>> 5;
        if (major != expectedMajorType) {
            throw new CborException(
                    "expected major type " + expectedMajorType + " but found " + major + " at offset " + position);
        }
        int info = initial & 0x1f;
        int byteCount;
        if (info < 24) {
            position++;
            return info;
        } else if (info == 24) {
            byteCount = 1;
        } else if (info == 25) {
            byteCount = 2;
        } else if (info == 26) {
            byteCount = 4;
        } else if (info == 27) {
            byteCount = 8;
        } else {
            throw new CborException("indefinite or reserved length " + info + " at offset " + position);
        }
        requireAvailable(1 + byteCount);
        long value = 0;
        for (int i = 1; i <= byteCount; i++) {
            value = (value << 8) | (input[position + i] & 0xff);
        }
        position += 1 + byteCount;
        return value;
    }

    private void requireAvailable(int byteCount) throws CborException {
        if (byteCount < 0 || input.length - position < byteCount) {
            throw new CborException("truncated: need " + byteCount + " bytes at offset " + position + " but only "
                    + (input.length - position) + " remain");
        }
    }
}
