package dev.ratchet.sector.array;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Consecutive stripes sent together: one device call per slot carries all of them.
 *
 * @param firstPosition the position of the first stripe in the caller's stripe list
 * @param sectorIndices the stripes' sector indices
 */
record StripeBatch(int firstPosition, long[] sectorIndices) {
    /** Returns the number of stripes in the batch. */
    int size() {
        return sectorIndices.length;
    }

    /** Returns the position in the caller's list of the batch's stripe {@code i}. */
    int position(int i) {
        return firstPosition + i;
    }

    /** Cuts {@code stripes} into batches of at most {@code stripesPerBatch}, in order. */
    static List<StripeBatch> split(long[] stripes, int stripesPerBatch) {
        if (stripesPerBatch < 1) {
            throw new IllegalArgumentException("stripesPerBatch < 1: " + stripesPerBatch);
        }
        List<StripeBatch> batches = new ArrayList<>();
        for (int first = 0; first < stripes.length; first += stripesPerBatch) {
            int end = Math.min(stripes.length, first + stripesPerBatch);
            batches.add(new StripeBatch(first, Arrays.copyOfRange(stripes, first, end)));
        }
        return batches;
    }
}
