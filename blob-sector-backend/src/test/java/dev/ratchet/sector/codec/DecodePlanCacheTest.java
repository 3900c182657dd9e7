package dev.ratchet.sector.codec;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DecodePlanCacheTest {
    private static final XorSchedule PLAN = XorSchedule.accumulating(new int[0], new long[0][]);
    private static final XorSchedule OTHER_PLAN = XorSchedule.accumulating(new int[0], new long[0][]);

    @Test
    void get_returnsWhatWasPut() {
        DecodePlanCache cache = new DecodePlanCache(8);
        cache.put(0b101, PLAN);
        cache.put(1L << 63, OTHER_PLAN);

        assertSame(PLAN, cache.get(0b101));
        assertSame(OTHER_PLAN, cache.get(1L << 63));
        assertNull(cache.get(0b11));
    }

    @Test
    void put_samePatternTwice_replacesInPlace() {
        DecodePlanCache cache = new DecodePlanCache(4);
        cache.put(6, PLAN);
        cache.put(6, OTHER_PLAN);

        assertSame(OTHER_PLAN, cache.get(6));
    }

    @Test
    void put_beyondCapacity_evictsLeastRecentlyUsed() {
        // Capacity 4 is a single set, so eviction order is exactly LRU.
        DecodePlanCache cache = new DecodePlanCache(4);
        for (long pattern = 1; pattern <= 4; pattern++) {
            cache.put(pattern, PLAN);
        }
        cache.get(1);
        cache.put(5, OTHER_PLAN);

        assertSame(PLAN, cache.get(1));
        assertNull(cache.get(2));
        assertSame(OTHER_PLAN, cache.get(5));
    }

    @Test
    void cache_staysBounded() {
        DecodePlanCache cache = new DecodePlanCache(16);
        int present = 0;
        for (long pattern = 1; pattern <= 1000; pattern++) {
            cache.put(pattern, PLAN);
        }
        for (long pattern = 1; pattern <= 1000; pattern++) {
            present += cache.get(pattern) == null ? 0 : 1;
        }
        assertTrue(present <= 16, "present: " + present);
    }

    @Test
    void rejectsBadCapacityAndTheEmptyPattern() {
        assertThrows(IllegalArgumentException.class, () -> new DecodePlanCache(12));
        assertThrows(IllegalArgumentException.class, () -> new DecodePlanCache(2));
        assertThrows(IllegalArgumentException.class, () -> new DecodePlanCache(8).put(0, PLAN));
    }
}
