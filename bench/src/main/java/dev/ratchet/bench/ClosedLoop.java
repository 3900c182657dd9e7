package dev.ratchet.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The closed-loop harness that {@link CommitLoad} (Ratchet) and {@link RatisMtlsLoad} (the plain
 * Ratis baseline) share, so both are warmed, timed and summarized the same way.
 *
 * <p>Each submitter runs on its own thread and commits one entry after another, each waiting for
 * its answer, until the deadline. Throughput is the writes finished divided by the wall time until
 * the last submitter returned; p50 and p99 are over every entry's round trip as the submitter
 * timed it. CPU per write is the whole process's CPU time (every replica, client and thread of
 * the system measured) over the same window divided by the writes: on a machine shared with
 * other work it varies far less than throughput does, and where the cores are saturated it is
 * what bounds throughput.
 *
 * <p>Options, the same for both: {@code --quick} (3 s warm-up and 5 s measured per configuration,
 * instead of 10 s and 15 s) and {@code --only single|batched:SUBMITTERS} (warm up on that one
 * configuration and measure it; without it, warm up on {@code single:16} and measure all six).
 * {@code bench/tablet-commit.sh} runs one configuration per JVM.
 */
final class ClosedLoop {
    /** Submitter counts measured. */
    static final int[] SUBMITTERS = {1, 16, 128};

    /** The most submitters a configuration uses. */
    static final int SUBMITTERS_MAX = 128;

    /** Writes in a batched entry: the most tablets one compare-and-commit may carry. */
    static final int BATCH_WRITES = 64;

    /** One writer of a load generator. */
    interface Submitter {
        /**
         * Commits one entry (one write, or {@link #BATCH_WRITES} if {@code batched}), checks that
         * it was accepted, and returns the nanoseconds its round trip took.
         */
        long commitOnce(boolean batched) throws Exception;
    }

    private record Configuration(boolean batched, int submitters) {
        String entries() {
            return batched ? "batched" : "single";
        }
    }

    private static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private ClosedLoop() {}

    /**
     * Runs the configurations {@code args} ask for with {@code submitters[0..count)} and prints
     * one line per configuration: {@code <system> entries=<single|batched> submitters=<N>
     * writes_per_s=<x> p50_ms=<x> p99_ms=<x> cpu_us_per_write=<x>}.
     */
    static void measure(String system, String[] args, Submitter[] submitters) throws Exception {
        List<String> options = Arrays.asList(args);
        boolean quick = options.contains("--quick");
        Duration measure = Duration.ofSeconds(quick ? 5 : 15);
        Duration warmup = Duration.ofSeconds(quick ? 3 : 10);
        int only = options.indexOf("--only");
        List<Configuration> configurations = new ArrayList<>();
        if (only >= 0 && only + 1 < args.length) {
            configurations.add(parse(args[only + 1]));
        } else {
            for (boolean batched : new boolean[] {false, true}) {
                for (int count : SUBMITTERS) {
                    configurations.add(new Configuration(batched, count));
                }
            }
        }
        boolean threadCpu = options.contains("--thread-cpu");
        run(submitters, configurations.size() == 1 ? configurations.get(0) : new Configuration(false, 16), warmup);
        for (Configuration configuration : configurations) {
            ThreadCpu before = threadCpu ? ThreadCpu.now() : null;
            double[] figures = run(submitters, configuration, measure);
            if (before != null) {
                ThreadCpu.now().printSince(before, System.err);
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s entries=%s submitters=%d writes_per_s=%.0f p50_ms=%.2f p99_ms=%.2f cpu_us_per_write=%.1f%n",
                    system,
                    configuration.entries(),
                    configuration.submitters(),
                    figures[0],
                    figures[1],
                    figures[2],
                    figures[3]);
        }
    }

    private static Configuration parse(String text) {
        String[] parts = text.split(":");
        if (parts.length != 2 || !(parts[0].equals("single") || parts[0].equals("batched"))) {
            throw new IllegalArgumentException("--only takes single|batched:SUBMITTERS, not " + text);
        }
        int count = Integer.parseInt(parts[1]);
        if (count < 1 || count > SUBMITTERS_MAX) {
            throw new IllegalArgumentException("submitters must be 1.." + SUBMITTERS_MAX + ": " + count);
        }
        return new Configuration(parts[0].equals("batched"), count);
    }

    // Returns writes per second, p50 and p99 in milliseconds, and CPU microseconds per write.
    private static double[] run(Submitter[] all, Configuration configuration, Duration duration) throws Exception {
        int count = configuration.submitters();
        ExecutorService threads = Executors.newFixedThreadPool(count);
        try {
            long startCpuNanos = PROCESS.getProcessCpuTime();
            long startNanos = System.nanoTime();
            long deadlineNanos = startNanos + duration.toNanos();
            List<Future<long[]>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Submitter submitter = all[i];
                futures.add(threads.submit(() -> loop(submitter, configuration.batched(), deadlineNanos)));
            }
            List<long[]> results = new ArrayList<>();
            for (Future<long[]> future : futures) {
                results.add(future.get());
            }
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            long cpuNanos = PROCESS.getProcessCpuTime() - startCpuNanos;
            long[] merged =
                    results.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            if (merged.length == 0) {
                throw new IllegalStateException("no commit finished in " + duration);
            }
            double writes = merged.length * (double) (configuration.batched() ? BATCH_WRITES : 1);
            return new double[] {
                writes / seconds,
                merged[(int) (merged.length * 0.50)] / 1e6,
                merged[Math.min(merged.length - 1, (int) (merged.length * 0.99))] / 1e6,
                cpuNanos / 1e3 / writes
            };
        } finally {
            threads.shutdownNow();
        }
    }

    private static long[] loop(Submitter submitter, boolean batched, long deadlineNanos) throws Exception {
        long[] latencies = new long[1 << 16];
        int count = 0;
        while (System.nanoTime() - deadlineNanos < 0) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = submitter.commitOnce(batched);
        }
        return Arrays.copyOf(latencies, count);
    }
}
