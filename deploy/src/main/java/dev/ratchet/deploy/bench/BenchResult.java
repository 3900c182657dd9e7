package dev.ratchet.deploy.bench;

import java.time.Duration;
import java.util.Locale;

/**
 * What a run measured: operations that succeeded inside the measured window, their latency
 * percentiles, and failures.
 *
 * @param mix the operations issued
 * @param target the system's name
 * @param clients logical clients
 * @param operations operations that succeeded and completed inside the measured window
 * @param errors operations that failed, at any time (warm-up, window or drain)
 * @param unfinished operations still in flight when the run gave up waiting for them
 * @param window the measured window
 * @param p50Nanos median latency, or -1 when no operation succeeded
 * @param p99Nanos 99th percentile latency, or -1
 * @param p999Nanos 99.9th percentile latency, or -1
 */
public record BenchResult(
        Mix mix,
        String target,
        int clients,
        long operations,
        long errors,
        long unfinished,
        Duration window,
        long p50Nanos,
        long p99Nanos,
        long p999Nanos) {

    /** Operations per second over the measured window. */
    public double operationsPerSecond() {
        return operations / (window.toNanos() / 1e9);
    }

    /** Failed and unfinished operations together: what the {@code errors=} line reports. */
    public long failures() {
        return errors + unfinished;
    }

    /**
     * The result line, always the last line a bench prints: {@code bench <mix> target=<name>
     * clients=<n> ops_per_s=<x> p50_ms=<x> p99_ms=<x> p999_ms=<x>}. Latencies are {@code nan} when no
     * operation succeeded.
     */
    public String summaryLine() {
        return String.format(
                Locale.ROOT,
                "bench %s target=%s clients=%d ops_per_s=%.1f p50_ms=%s p99_ms=%s p999_ms=%s",
                mix.label(),
                target,
                clients,
                operationsPerSecond(),
                millis(p50Nanos),
                millis(p99Nanos),
                millis(p999Nanos));
    }

    private static String millis(long nanos) {
        return nanos < 0 ? "nan" : String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }
}
