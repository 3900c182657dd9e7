package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A key's position on the consistent-hash ring: the first 8 bytes of SHA-256(key), big-endian,
 * read as an unsigned 64-bit value.
 *
 * <p>Positions live in {@code long}s and must always be compared with {@link
 * Long#compareUnsigned}. A tablet owns the inclusive range {@code [first, last]}.
 */
final class RingPosition {
    private RingPosition() {}

    /** Returns the ring position of {@code key}. */
    static long position(ByteString key) {
        byte[] digest = sha256(key);
        long position = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            position = (position << 8) | (digest[i] & 0xFF);
        }
        return position;
    }

    /** Returns whether {@code position} lies in the inclusive range {@code [first, last]}. */
    static boolean within(long position, long first, long last) {
        return Long.compareUnsigned(first, position) <= 0 && Long.compareUnsigned(position, last) <= 0;
    }

    /** Returns SHA-256 of {@code bytes}. */
    static byte[] sha256(ByteString bytes) {
        MessageDigest digest = newSha256();
        for (java.nio.ByteBuffer buffer : bytes.asReadOnlyByteBufferList()) {
            digest.update(buffer);
        }
        return digest.digest();
    }

    /** Returns a fresh SHA-256 digest; every JDK must provide one. */
    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
