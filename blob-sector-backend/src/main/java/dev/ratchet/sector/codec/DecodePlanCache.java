package dev.ratchet.sector.codec;

/**
 * A bounded, thread-safe map from erasure pattern to decode schedule, evicting the least recently used
 * schedule of a small set.
 *
 * <p>An erasure pattern is a bit mask over the stripe's sectors (bit s set when sector s is erased),
 * so lookups box nothing and allocate nothing. The cache is 4-way set associative: a pattern can only
 * live in the 4 slots of the set its hash selects, which keeps lookups short without a linked list.
 */
final class DecodePlanCache {
    private static final int WAYS = 4;

    private final int setMask;

    /** Erasure pattern of each slot; 0 marks an empty slot, as the empty pattern needs no plan. Guarded by this. */
    private final long[] patterns;

    /** Schedule of each slot. Guarded by this. */
    private final XorSchedule[] schedules;

    /** Value of {@link #clock} when each slot was last used. Guarded by this. */
    private final long[] lastUsed;

    /** Counts lookups, to order slots by recency. Guarded by this. */
    private long clock;

    /** Creates an empty cache of at most {@code capacity} schedules, a power of two of at least 4. */
    DecodePlanCache(int capacity) {
        if (capacity < WAYS || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two >= " + WAYS + ": " + capacity);
        }
        setMask = capacity / WAYS - 1;
        patterns = new long[capacity];
        schedules = new XorSchedule[capacity];
        lastUsed = new long[capacity];
    }

    /** Returns the schedule cached for a non-empty erasure pattern, or null. */
    synchronized XorSchedule get(long erasurePattern) {
        int first = firstSlotOf(erasurePattern);
        for (int slot = first; slot < first + WAYS; slot++) {
            if (patterns[slot] == erasurePattern) {
                lastUsed[slot] = ++clock;
                return schedules[slot];
            }
        }
        return null;
    }

    /** Caches the schedule of a non-empty erasure pattern, evicting the least recently used of its set. */
    synchronized void put(long erasurePattern, XorSchedule schedule) {
        if (erasurePattern == 0) {
            throw new IllegalArgumentException("the empty erasure pattern has no decode plan");
        }
        int first = firstSlotOf(erasurePattern);
        int victim = first;
        for (int slot = first; slot < first + WAYS; slot++) {
            if (patterns[slot] == erasurePattern) {
                victim = slot;
                break;
            }
            if (lastUsed[slot] < lastUsed[victim]) {
                victim = slot;
            }
        }
        patterns[victim] = erasurePattern;
        schedules[victim] = schedule;
        lastUsed[victim] = ++clock;
    }

    private int firstSlotOf(long erasurePattern) {
        // Fibonacci hashing spreads patterns that differ only in high sector indices.
        long mixed = erasurePattern * 0x9E3779B97F4A7C15L;
        return ((int) (mixed >>> 40) & setMask) * WAYS;
    }
}
