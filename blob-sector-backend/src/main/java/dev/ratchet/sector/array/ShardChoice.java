package dev.ratchet.sector.array;

import java.util.OptionalLong;

/**
 * Which shards of a stripe to fetch, as slot bit masks: a pure function of what is known so far.
 *
 * <p>Lower slots come first: the data slots, so that a stripe whose data shards are all good is
 * read without decoding (the code is systematic), then parity slots from parity 0, which the codec
 * repairs with the fewest XORs (parity 0 is plain XOR parity).
 */
final class ShardChoice {
    private ShardChoice() {}

    /**
     * Returns the slots to fetch so that, if all answer well, {@code k} shards are good; empty when
     * too few untried slots remain.
     *
     * @param candidates slots neither tried nor known bad
     * @param good slots whose shard matched its digest
     */
    static OptionalLong next(int dataSlotCount, long candidates, long good) {
        if ((candidates & good) != 0) {
            throw new IllegalArgumentException(
                    "candidates and good overlap: " + Long.toBinaryString(candidates & good));
        }
        int needed = dataSlotCount - Long.bitCount(good);
        if (needed <= 0) {
            return OptionalLong.of(0);
        }
        if (Long.bitCount(candidates) < needed) {
            return OptionalLong.empty();
        }
        long chosen = 0;
        long rest = candidates;
        for (int i = 0; i < needed; i++) {
            long lowest = Long.lowestOneBit(rest);
            chosen |= lowest;
            rest &= ~lowest;
        }
        return OptionalLong.of(chosen);
    }

    /** Returns the erasures to decode when exactly k slots are good: every other slot, in increasing order. */
    static int[] erasures(long allSlots, long good, int dataSlotCount) {
        if (Long.bitCount(good) != dataSlotCount || (good & ~allSlots) != 0) {
            throw new IllegalArgumentException(
                    "decoding needs exactly " + dataSlotCount + " good slots, got " + Long.toBinaryString(good));
        }
        long erased = allSlots & ~good;
        int[] indices = new int[Long.bitCount(erased)];
        for (int e = 0; erased != 0; erased &= erased - 1) {
            indices[e++] = Long.numberOfTrailingZeros(erased);
        }
        return indices;
    }
}
