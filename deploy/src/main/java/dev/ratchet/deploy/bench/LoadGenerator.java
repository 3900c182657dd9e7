package dev.ratchet.deploy.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Drives a {@link KvTarget} with a {@link LoadSpec}: N logical clients in a closed loop (each keeps
 * one operation in flight), for a warm-up and then a measured window.
 *
 * <p>Phases, in order: {@link #preload()} (mixes with gets only: every key written once, outside
 * any timing), then {@link #run()}: warm-up, the measured window, and a drain. A client starts no
 * operation once the window has ended, and the run completes when every client's last operation
 * has completed. An operation counts, with its latency, if it succeeded and completed inside the
 * window {@code [start + warm-up, start + warm-up + duration)}; a failure counts as an error
 * whenever it happens. Time comes only from the injected {@link Ticker}.
 *
 * <p>Client i draws its keys (and, for {@code put:get}, its operations) from a random generator
 * seeded with {@code seed + i}, uniformly over the keyspace.
 */
public final class LoadGenerator {
    /**
     * Puts in flight during the preload: the comparison's largest case, so no system sees more in
     * flight than it is benchmarked with. Ratchet's cache nodes batch writes per tablet, so its
     * preload speed grows with this (on the 2-core development VM about 110 puts/s at 64 in flight,
     * 750 at 512: 10,000 keys in under 15 s).
     */
    static final int PRELOAD_IN_FLIGHT = 512;

    private final LoadSpec spec;
    private final KvTarget target;
    private final Ticker ticker;
    private final Keyspace keyspace;
    private final LatencyHistogram latencies = new LatencyHistogram();
    private final LongAdder operations = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicReference<Throwable> firstError = new AtomicReference<>();

    /** Creates a generator; nothing is sent until {@link #preload()} or {@link #run()}. */
    public LoadGenerator(LoadSpec spec, KvTarget target, Ticker ticker) {
        this.spec = spec;
        this.target = target;
        this.ticker = ticker;
        this.keyspace = new Keyspace(spec.keyCount(), spec.valueSizeBytes(), spec.seed());
    }

    /**
     * Writes every key of the keyspace once, {@link #PRELOAD_IN_FLIGHT} at a time. The future fails
     * with the first error if any put failed: a get of a key that was never written would measure
     * nothing useful.
     */
    public CompletableFuture<Void> preload() {
        AtomicInteger nextKey = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong failed = new AtomicLong();
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (int i = 0; i < Math.min(PRELOAD_IN_FLIGHT, keyspace.size()); i++) {
            loops.add(
                    new ClosedLoopClient() {
                        @Override
                        CompletableFuture<?> startNext() {
                            int key = nextKey.getAndIncrement();
                            return key < keyspace.size() ? target.put(keyspace.key(key), keyspace.value()) : null;
                        }

                        @Override
                        void completed(Throwable error) {
                            if (error != null) {
                                failed.incrementAndGet();
                                failure.compareAndSet(null, unwrap(error));
                            }
                        }
                    }.run());
        }
        return CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).thenRun(() -> {
            if (failure.get() != null) {
                throw new CompletionException(new IllegalStateException(
                        "preload failed: " + failed.get() + " of " + keyspace.size() + " puts failed; first: "
                                + describe(failure.get()),
                        failure.get()));
            }
        });
    }

    /**
     * Starts the clients, measures, and completes when every client has stopped and its last
     * operation completed. {@link #result()} may be read at any time, also while it runs.
     */
    public CompletableFuture<Void> run() {
        long start = ticker.nanos();
        long windowStart = start + spec.warmup().toNanos();
        long windowEnd = windowStart + spec.duration().toNanos();
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (int i = 0; i < spec.clients(); i++) {
            loops.add(new MeasuredClient(new SplittableRandom(spec.seed() + i), windowStart, windowEnd).run());
        }
        return CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new));
    }

    /** What was measured so far; operations still in flight are reported as unfinished. */
    public BenchResult result() {
        boolean any = latencies.count() > 0;
        return new BenchResult(
                spec.mix(),
                target.name(),
                spec.clients(),
                operations.sum(),
                errors.sum(),
                inFlight.get(),
                spec.duration(),
                any ? latencies.percentileNanos(50) : -1,
                any ? latencies.percentileNanos(99) : -1,
                any ? latencies.percentileNanos(99.9) : -1);
    }

    /** The first failure seen (unwrapped), or null: for a diagnostic line. */
    public Throwable firstError() {
        return firstError.get();
    }

    /** A one-line description of a failure: its class and message. */
    public static String describe(Throwable error) {
        Throwable cause = unwrap(error);
        String message = cause.getMessage();
        String line = message == null ? "" : message.lines().findFirst().orElse("");
        return cause.getClass().getSimpleName() + (line.isEmpty() ? "" : ": " + line);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A client of the measured run: random keys, stops at the end of the window. */
    private final class MeasuredClient extends ClosedLoopClient {
        private final SplittableRandom random;
        private final long windowStart;
        private final long windowEnd;
        /**
         * Start of the operation in flight: written before the operation starts, read when it
         * completes, so the future's completion orders the two; one operation at a time.
         */
        private long operationStart;

        MeasuredClient(SplittableRandom random, long windowStart, long windowEnd) {
            this.random = random;
            this.windowStart = windowStart;
            this.windowEnd = windowEnd;
        }

        @Override
        CompletableFuture<?> startNext() {
            long now = ticker.nanos();
            if (now >= windowEnd) {
                return null;
            }
            byte[] key = keyspace.key(random.nextInt(keyspace.size()));
            boolean put = spec.mix().nextIsPut(random);
            inFlight.incrementAndGet();
            operationStart = now;
            return put ? target.put(key, keyspace.value()) : target.get(key);
        }

        @Override
        void completed(Throwable error) {
            long now = ticker.nanos();
            inFlight.decrementAndGet();
            if (error != null) {
                errors.increment();
                firstError.compareAndSet(null, unwrap(error));
            } else if (now >= windowStart && now < windowEnd) {
                operations.increment();
                latencies.record(now - operationStart);
            }
        }
    }
}
