package dev.ratchet.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final long MS = 1_000_000;

    @Test
    void nominalDelay_doublesUpToTheCap() {
        Backoff backoff = new Backoff(Duration.ofMillis(50), Duration.ofMillis(300), new Random(1));

        assertEquals(50 * MS, backoff.nominalNanos(1));
        assertEquals(100 * MS, backoff.nominalNanos(2));
        assertEquals(200 * MS, backoff.nominalNanos(3));
        assertEquals(300 * MS, backoff.nominalNanos(4));
        assertEquals(300 * MS, backoff.nominalNanos(100));
    }

    @Test
    void nominalDelay_neverOverflows() {
        Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofDays(3650), new Random(1));

        assertEquals(Duration.ofDays(3650).toNanos(), backoff.nominalNanos(Integer.MAX_VALUE));
    }

    @Test
    void jitteredDelay_liesBetweenHalfAndAllOfTheNominal() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), new Random(7));
        for (int attempt = 1; attempt < 10; attempt++) {
            for (int i = 0; i < 100; i++) {
                long delay = backoff.delayNanos(attempt);
                long nominal = backoff.nominalNanos(attempt);
                assertTrue(delay >= nominal / 2 && delay <= nominal, delay + " vs " + nominal);
            }
        }
    }

    @Test
    void jitter_isReproducibleFromTheSeed() {
        Backoff first = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), new Random(99));
        Backoff second = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), new Random(99));
        for (int attempt = 1; attempt < 20; attempt++) {
            assertEquals(first.delayNanos(attempt), second.delayNanos(attempt));
        }
    }

    @Test
    void badSettings_areRefused() {
        Random random = new Random(1);
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), random));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), random));
        Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofSeconds(1), random);
        assertThrows(IllegalArgumentException.class, () -> backoff.nominalNanos(0));
    }
}
