package dev.ratchet.deploy.bench;

import java.time.Duration;

/**
 * What one benchmark run does: the mix, how many logical clients, how long, over which keys and
 * values. Every field is bounded; the constructor refuses a value outside its bounds.
 *
 * @param mix the operations issued
 * @param clients logical clients, each with one operation in flight
 * @param warmup time before the measured window; operations then are issued but not counted
 * @param duration the measured window
 * @param keyCount the keyspace: keys {@code bench-00000000} up to {@code keyCount - 1}
 * @param valueSizeBytes the size of every value written
 * @param seed seeds the key choices (and the value bytes), so runs are repeatable
 */
public record LoadSpec(
        Mix mix, int clients, Duration warmup, Duration duration, int keyCount, int valueSizeBytes, long seed) {
    /** Clients are in-flight operations; 4096 is eight times the largest case the comparison runs. */
    public static final int CLIENTS_MAX = 4096;
    /** A day: a benchmark is not a soak test. */
    public static final Duration DURATION_MAX = Duration.ofDays(1);
    /** One million keys: the keys stay in memory, and the preload writes them all. */
    public static final int KEY_COUNT_MAX = 1_000_000;
    /** 1 MiB: below etcd's default 1.5 MiB request limit, so both systems accept every size. */
    public static final int VALUE_SIZE_BYTES_MAX = 1 << 20;

    /** Checks every bound. */
    public LoadSpec {
        requireArgument(mix != null, "mix is missing");
        requireArgument(clients >= 1 && clients <= CLIENTS_MAX, "clients must be 1.." + CLIENTS_MAX + ": " + clients);
        requireArgument(
                !warmup.isNegative() && warmup.compareTo(DURATION_MAX) <= 0, "warm-up must be 0 s..1 day: " + warmup);
        requireArgument(
                duration.compareTo(Duration.ofSeconds(1)) >= 0 && duration.compareTo(DURATION_MAX) <= 0,
                "duration must be 1 s..1 day: " + duration);
        requireArgument(
                keyCount >= 1 && keyCount <= KEY_COUNT_MAX, "keys must be 1.." + KEY_COUNT_MAX + ": " + keyCount);
        requireArgument(
                valueSizeBytes >= 1 && valueSizeBytes <= VALUE_SIZE_BYTES_MAX,
                "value size must be 1.." + VALUE_SIZE_BYTES_MAX + " bytes: " + valueSizeBytes);
    }

    private static void requireArgument(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
