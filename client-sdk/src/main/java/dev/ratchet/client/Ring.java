package dev.ratchet.client;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Where keys sit on the 2^64 ring: the first 8 bytes of SHA-256(key), big-endian, read as an
 * unsigned number (kv.proto, and the tablet store's ranges).
 */
final class Ring {
    private Ring() {}

    /** Returns the ring position of {@code key}; compare positions with {@link Long#compareUnsigned}. */
    static long position(byte[] key) {
        return ByteBuffer.wrap(sha256().digest(key)).getLong();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
