package dev.ratchet.sector.array;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ShardDigestTest {
    @Test
    void of_isSha256OverDomainSectorSlotAndShard() throws Exception {
        byte[] shard = new byte[4096];
        new Random(3).nextBytes(shard);
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        input.writeBytes("ratchet/sector-shard/v1".getBytes(StandardCharsets.US_ASCII));
        input.write(0);
        input.writeBytes(new byte[] {0, 0, 0, 0, 0, 0, 0x01, 0x02}); // sector 258, big-endian
        input.writeBytes(new byte[] {0, 0, 0, 5}); // slot 5
        input.writeBytes(shard);

        assertArrayEquals(
                MessageDigest.getInstance("SHA-256").digest(input.toByteArray()), ShardDigest.of(258, 5, shard));
    }

    @Test
    void matches_rejectsAnotherSectorAnotherSlotOrAFlippedBit() {
        byte[] shard = new byte[4096];
        new Random(4).nextBytes(shard);
        byte[] digest = ShardDigest.of(10, 2, shard);

        assertTrue(ShardDigest.matches(digest, 10, 2, shard));
        assertFalse(ShardDigest.matches(digest, 11, 2, shard));
        assertFalse(ShardDigest.matches(digest, 10, 3, shard));
        shard[4095] ^= 1;
        assertFalse(ShardDigest.matches(digest, 10, 2, shard));
        assertFalse(ShardDigest.matches(digest, 10, 2, new byte[100]));
        assertThrows(IllegalArgumentException.class, () -> ShardDigest.of(0, 0, new byte[4095]));
    }
}
