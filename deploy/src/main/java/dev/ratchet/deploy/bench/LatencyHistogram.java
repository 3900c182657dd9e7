package dev.ratchet.deploy.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A log-bucketed latency histogram in nanoseconds, safe to record into from many threads.
 *
 * <p>Values below 1024 ns have a bucket each. Above that, each power of two is split into 1024
 * equal buckets, so a reported value is within 0.05% of every value in its bucket (it reports the
 * bucket's midpoint). Values above {@link #MAX_NANOS} are recorded as {@code MAX_NANOS}.
 * Percentiles use the nearest-rank method: the p-th percentile of n values is the
 * ⌈p·n⌉-th smallest.
 */
final class LatencyHistogram {
    /** The largest latency kept apart from larger ones: 2^44 ns, about 4.9 hours, far above any timeout. */
    static final long MAX_NANOS = 1L << 44;

    private static final int SUB_BUCKET_BITS = 10;
    private static final int SUB_BUCKETS = 1 << SUB_BUCKET_BITS;

    /** Counts per bucket; the atomic array is the only synchronization. */
    private final AtomicLongArray counts = new AtomicLongArray(indexOf(MAX_NANOS) + 1);

    /** Adds one latency. Negative values are a caller's bug. */
    void record(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("latency is negative: " + nanos + " ns");
        }
        counts.incrementAndGet(indexOf(Math.min(nanos, MAX_NANOS)));
    }

    /** The number of values recorded so far. */
    long count() {
        long total = 0;
        for (int i = 0; i < counts.length(); i++) {
            total += counts.get(i);
        }
        return total;
    }

    /**
     * The value at the given percentile, in nanoseconds (the midpoint of its bucket).
     *
     * @param percentile in (0, 100]
     * @throws IllegalStateException if nothing was recorded
     */
    long percentileNanos(double percentile) {
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100]: " + percentile);
        }
        long[] snapshot = new long[counts.length()];
        long total = 0;
        for (int i = 0; i < snapshot.length; i++) {
            snapshot[i] = counts.get(i);
            total += snapshot[i];
        }
        if (total == 0) {
            throw new IllegalStateException("no latency recorded");
        }
        // The epsilon keeps 99.9% of 1000 at rank 999: 99.9 / 100 * 1000 is 999.0000000000001.
        long rank = Math.max(1, (long) Math.ceil(percentile / 100 * total - 1e-9));
        long seen = 0;
        for (int i = 0; i < snapshot.length; i++) {
            seen += snapshot[i];
            if (seen >= rank) {
                return midpointOf(i);
            }
        }
        throw new AssertionError("rank " + rank + " beyond total " + total);
    }

    static int indexOf(long nanos) {
        if (nanos < SUB_BUCKETS) {
            return (int) nanos;
        }
        int shift = 63 - Long.numberOfLeadingZeros(nanos) - SUB_BUCKET_BITS;
        int mantissa = (int) (nanos >>> shift); // in [SUB_BUCKETS, 2 * SUB_BUCKETS)
        return SUB_BUCKETS * (shift + 1) + (mantissa - SUB_BUCKETS);
    }

    static long midpointOf(int index) {
        if (index < SUB_BUCKETS) {
            return index;
        }
        int shift = index / SUB_BUCKETS - 1;
        long mantissa = SUB_BUCKETS + index % SUB_BUCKETS;
        long lowest = mantissa << shift;
        return lowest + ((1L << shift) >>> 1);
    }
}
