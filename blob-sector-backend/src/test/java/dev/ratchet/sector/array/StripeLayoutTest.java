package dev.ratchet.sector.array;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StripeLayoutTest {
    private final StripeLayout layout = new StripeLayout(4, 2);

    @Test
    void stripeCountFor_roundsUpToWholeStripes() {
        assertEquals(0, layout.stripeCountFor(0));
        assertEquals(1, layout.stripeCountFor(1));
        assertEquals(1, layout.stripeCountFor(4 * 4096));
        assertEquals(2, layout.stripeCountFor(4 * 4096 + 1));
        assertEquals(131_072, layout.stripeCountFor(Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> layout.stripeCountFor(-1));
    }

    @Test
    void dataShard_cutsTheBlobAndPadsWithZeros() {
        byte[] blob = new byte[5 * 4096 + 10];
        new Random(1).nextBytes(blob);

        assertArrayEquals(Arrays.copyOfRange(blob, 4096, 8192), layout.dataShard(blob, 0, 1));
        byte[] tail = layout.dataShard(blob, 1, 0);
        assertArrayEquals(Arrays.copyOfRange(blob, 4 * 4096, 5 * 4096), tail);
        byte[] partial = layout.dataShard(blob, 1, 1);
        assertArrayEquals(Arrays.copyOfRange(blob, 5 * 4096, 5 * 4096 + 10), Arrays.copyOf(partial, 10));
        assertArrayEquals(new byte[4096 - 10], Arrays.copyOfRange(partial, 10, 4096));
        assertArrayEquals(new byte[4096], layout.dataShard(blob, 1, 3));
    }

    @Test
    void copyDataShard_isTheInverseOfDataShardUpToTheBlobLength() {
        byte[] blob = new byte[5 * 4096 + 10];
        new Random(2).nextBytes(blob);
        byte[] copy = new byte[blob.length];

        for (int p = 0; p < 2; p++) {
            for (int d = 0; d < 4; d++) {
                layout.copyDataShard(layout.dataShard(blob, p, d), p, d, copy);
            }
        }

        assertArrayEquals(blob, copy);
    }

    @Test
    void digestIndex_isStripeMajor() {
        assertEquals(0, layout.digestIndex(0, 0));
        assertEquals(5, layout.digestIndex(0, 5));
        assertEquals(6, layout.digestIndex(1, 0));
        assertEquals(3 * 6 + 4, layout.digestIndex(3, 4));
    }

    @Test
    void masks_coverTheSlots() {
        assertEquals(0b111111, layout.allSlotsMask());
        assertEquals(0b1111, layout.dataSlotsMask());
        assertEquals(-1L, new StripeLayout(60, 4).allSlotsMask());
    }

    @Test
    void checks_refuseBadStripesAndDigests() {
        assertThrows(IllegalArgumentException.class, () -> StripeLayout.checkStripes(new long[] {1, -1}));
        assertThrows(IllegalArgumentException.class, () -> StripeLayout.checkStripes(new long[] {1, 2, 1}));
        assertThrows(IllegalArgumentException.class, () -> layout.checkDigests(List.of(new byte[32]), 1));
        List<byte[]> shortDigest =
                Arrays.asList(new byte[32], new byte[32], new byte[31], new byte[32], new byte[32], new byte[32]);
        assertThrows(IllegalArgumentException.class, () -> layout.checkDigests(shortDigest, 1));
        assertThrows(IllegalArgumentException.class, () -> new StripeLayout(0, 2));
        assertThrows(IllegalArgumentException.class, () -> new StripeLayout(60, 5));
    }
}
