package dev.ratchet.client;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The delay before each retry: exponential from an initial delay up to a cap, with "equal jitter"
 * (half the delay fixed, half uniformly random), so that clients failed by the same event do not
 * come back in step, while every retry still waits at least half its nominal delay.
 *
 * <p>Pure apart from the injected random source, which is used under this object's lock because
 * not every {@link RandomGenerator} is thread-safe.
 */
final class Backoff {
    private final long initialNanos;
    private final long maxNanos;
    private final RandomGenerator random;

    Backoff(Duration initial, Duration max, RandomGenerator random) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.random = Objects.requireNonNull(random, "random");
        if (initialNanos <= 0 || maxNanos < initialNanos) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, not " + initial + " and " + max);
        }
    }

    /** Returns the nominal delay after failed attempt {@code attempt} (1-based), before jitter. */
    long nominalNanos(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts count from 1: " + attempt);
        }
        long delay = initialNanos;
        for (int i = 1; i < attempt && delay < maxNanos; i++) {
            delay = delay > maxNanos / 2 ? maxNanos : delay * 2;
        }
        return Math.min(delay, maxNanos);
    }

    /** Returns the jittered delay after failed attempt {@code attempt}: in [nominal/2, nominal]. */
    long delayNanos(int attempt) {
        long nominal = nominalNanos(attempt);
        long half = nominal / 2;
        double fraction;
        synchronized (this) {
            fraction = random.nextDouble();
        }
        return nominal - half + (long) (fraction * half);
    }
}
