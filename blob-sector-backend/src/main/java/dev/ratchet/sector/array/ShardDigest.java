package dev.ratchet.sector.array;

import dev.ratchet.sector.codec.CauchyCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The digest that pins one shard: SHA-256 over {@code "ratchet/sector-shard/v1" ‖ 0x00 ‖ sector index
 * (8 bytes, big-endian) ‖ slot (4 bytes, big-endian) ‖ the 4096 shard bytes}.
 *
 * <p>Binding the sector index and slot makes a misdirected shard (another sector's, or the same
 * sector of another slot) fail the check even when its bytes are a valid shard. The node id is
 * deliberately not bound: a rebuild moves a slot to a new server with identical shards, so the
 * tablet store's pinned digests stay valid across rebuilds.
 */
final class ShardDigest {
    /** Size of a shard digest in bytes. */
    static final int SIZE_BYTES = 32;

    private static final byte[] DOMAIN = "ratchet/sector-shard/v1".getBytes(StandardCharsets.US_ASCII);

    private ShardDigest() {}

    /** Returns the digest of {@code shard}, stored as sector {@code sectorIndex} on slot {@code slot}. */
    static byte[] of(long sectorIndex, int slot, byte[] shard) {
        if (shard.length != CauchyCode.SECTOR_SIZE_BYTES) {
            throw new IllegalArgumentException(
                    "a shard is " + CauchyCode.SECTOR_SIZE_BYTES + " bytes, got " + shard.length);
        }
        MessageDigest sha256 = sha256();
        sha256.update(DOMAIN);
        sha256.update((byte) 0);
        sha256.update(ByteBuffer.allocate(Long.BYTES + Integer.BYTES)
                .putLong(sectorIndex)
                .putInt(slot)
                .array());
        sha256.update(shard);
        return sha256.digest();
    }

    /** Returns whether {@code shard} is the shard that {@code expected} pins, in constant time. */
    static boolean matches(byte[] expected, long sectorIndex, int slot, byte[] shard) {
        return shard.length == CauchyCode.SECTOR_SIZE_BYTES
                && MessageDigest.isEqual(expected, of(sectorIndex, slot, shard));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }
}
