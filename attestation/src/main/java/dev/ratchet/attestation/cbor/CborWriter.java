package dev.ratchet.attestation.cbor;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A writer of deterministic, definite-length CBOR (RFC 8949 §4.2.1 core deterministic encoding).
 *
 * <p>Only the items Ratchet's evidence formats need: unsigned and negative integers, byte and text
 * strings, arrays, maps and null. Heads always use the shortest form, so the same values always
 * give the same bytes, which matters because encoded evidence is hashed and signed.
 */
public final class CborWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Writes an unsigned integer (major type 0); {@code value} must be non-negative. */
    public CborWriter uint(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("uint must be non-negative: " + value);
        }
        head(0, value);
        return this;
    }

    /** Writes a signed integer as major type 0 or 1. */
    public CborWriter integer(long value) {
        if (value >= 0) {
            head(0, value);
        } else {
            head(1, -1 - value);
        }
        return this;
    }

    /** Writes a byte string. */
    public CborWriter bytes(byte[] value) {
        head(2, value.length);
        out.writeBytes(value);
        return this;
    }

    /** Writes a UTF-8 text string. */
    public CborWriter text(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        head(3, utf8.length);
        out.writeBytes(utf8);
        return this;
    }

    /** Starts an array of {@code size} items; the caller writes exactly that many next. */
    public CborWriter array(int size) {
        head(4, size);
        return this;
    }

    /** Starts a map of {@code size} key/value pairs; the caller writes 2 × size items next. */
    public CborWriter map(int size) {
        head(5, size);
        return this;
    }

    /** Writes null (simple value 22). */
    public CborWriter nil() {
        out.write(0xf6);
        return this;
    }

    /** Returns the bytes written so far. */
    public byte[] toByteArray() {
        return out.toByteArray();
    }

    private void head(int majorType, long argument) {
        int major = majorType << 5;
        if (argument < 24) {
            out.write(major | (int) argument);
        } else if (argument < 0x100) {
            out.write(major | 24);
            out.write((int) argument);
        } else if (argument < 0x10000) {
            out.write(major | 25);
            writeBigEndian(argument, 2);
        } else if (argument < 0x1_0000_0000L) {
            out.write(major | 26);
            writeBigEndian(argument, 4);
        } else {
            out.write(major | 27);
            writeBigEndian(argument, 8);
        }
    }

    private void writeBigEndian(long value, int byteCount) {
        for (int shift = (byteCount - 1) * 8; shift >= 0; shift -= 8) {
            out.write((int) (value >>> shift) & 0xff);
        }
    }
}
