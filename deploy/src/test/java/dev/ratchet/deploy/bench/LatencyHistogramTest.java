package dev.ratchet.deploy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    private static final long MILLI = 1_000_000;

    @Test
    void percentiles_smallValues_areExactNearestRank() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (long nanos = 1000; nanos >= 1; nanos--) {
            histogram.record(nanos);
        }
        assertEquals(1000, histogram.count());
        assertEquals(500, histogram.percentileNanos(50));
        assertEquals(990, histogram.percentileNanos(99));
        assertEquals(999, histogram.percentileNanos(99.9));
        assertEquals(1000, histogram.percentileNanos(100));
        assertEquals(1, histogram.percentileNanos(0.01));
    }

    @Test
    void percentiles_millisecondValues_areWithinHalfAPerMille() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (long millis = 1; millis <= 1000; millis++) {
            histogram.record(millis * MILLI);
        }
        assertClose(500 * MILLI, histogram.percentileNanos(50));
        assertClose(990 * MILLI, histogram.percentileNanos(99));
        assertClose(999 * MILLI, histogram.percentileNanos(99.9));
    }

    @Test
    void percentiles_fewValues_p999IsTheMaximum() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (int i = 0; i < 98; i++) {
            histogram.record(2 * MILLI);
        }
        histogram.record(50 * MILLI);
        histogram.record(70 * MILLI);
        assertClose(2 * MILLI, histogram.percentileNanos(50));
        assertClose(2 * MILLI, histogram.percentileNanos(98));
        assertClose(50 * MILLI, histogram.percentileNanos(99));
        assertClose(70 * MILLI, histogram.percentileNanos(99.9));
    }

    @Test
    void bucketMidpoint_isWithinHalfAPerMilleOfEveryValueInIt() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            long nanos = random.nextLong(LatencyHistogram.MAX_NANOS + 1);
            long reported = LatencyHistogram.midpointOf(LatencyHistogram.indexOf(nanos));
            assertTrue(Math.abs(reported - nanos) <= nanos / 2000 + 1, nanos + " reported as " + reported);
        }
    }

    @Test
    void bucketIndex_increasesWithValue() {
        int previous = -1;
        for (long nanos = 0; nanos < 1 << 16; nanos++) {
            int index = LatencyHistogram.indexOf(nanos);
            assertTrue(index == previous || index == previous + 1, "gap at " + nanos);
            previous = index;
        }
    }

    @Test
    void record_aboveMaximum_isKeptAsTheMaximum() {
        LatencyHistogram histogram = new LatencyHistogram();
        histogram.record(Long.MAX_VALUE);
        assertClose(LatencyHistogram.MAX_NANOS, histogram.percentileNanos(50));
    }

    @Test
    void misuse_isRefused() {
        LatencyHistogram histogram = new LatencyHistogram();
        assertThrows(IllegalStateException.class, () -> histogram.percentileNanos(50));
        assertThrows(IllegalArgumentException.class, () -> histogram.record(-1));
        histogram.record(5);
        assertThrows(IllegalArgumentException.class, () -> histogram.percentileNanos(0));
        assertThrows(IllegalArgumentException.class, () -> histogram.percentileNanos(100.5));
    }

    private static void assertClose(long expected, long actual) {
        assertTrue(Math.abs(actual - expected) <= expected / 2000, "expected ~" + expected + ", got " + actual);
    }
}
