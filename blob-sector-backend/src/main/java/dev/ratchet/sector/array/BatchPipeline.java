package dev.ratchet.sector.array;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * Runs one asynchronous task per stripe batch with at most a fixed number of stripes in flight:
 * completion-driven, owning no thread.
 *
 * <p>A batch starts when its stripes fit in the window, so memory for shards stays bounded however
 * long the stripe list is. The first failure fails the whole run and stops further starts; tasks
 * already started run to completion and their results are dropped.
 *
 * <h2>Implementation notes</h2>
 *
 * <p>Starting tasks is serialized by a work-in-progress counter (the "drain loop" idiom): whoever
 * raises it from zero starts tasks until the window is full, then loops while others asked for a
 * pump meanwhile. A task that completes synchronously therefore does not recurse into the pump, and
 * a run of any length uses constant stack.
 */
final class BatchPipeline<T> {
    private final List<StripeBatch> batches;
    private final int stripesInFlightMax;
    private final Function<StripeBatch, CompletableFuture<T>> task;
    private final AtomicReferenceArray<T> results;
    private final CompletableFuture<List<T>> done = new CompletableFuture<>();

    /** Number of pump requests not yet served; the thread that raises it from 0 pumps. */
    private final AtomicInteger pumpRequests = new AtomicInteger();

    private final AtomicInteger stripesInFlight = new AtomicInteger();
    private final AtomicInteger batchesCompleted = new AtomicInteger();

    /** Index of the next batch to start; only the pumping thread touches it. */
    private int nextBatch;

    private BatchPipeline(
            List<StripeBatch> batches, int stripesInFlightMax, Function<StripeBatch, CompletableFuture<T>> task) {
        this.batches = batches;
        this.stripesInFlightMax = stripesInFlightMax;
        this.task = task;
        this.results = new AtomicReferenceArray<>(batches.size());
    }

    /**
     * Runs {@code task} on every batch with at most {@code stripesInFlightMax} stripes in flight (a
     * batch larger than the window runs alone), and returns the results in batch order.
     */
    static <T> CompletableFuture<List<T>> run(
            List<StripeBatch> batches, int stripesInFlightMax, Function<StripeBatch, CompletableFuture<T>> task) {
        if (stripesInFlightMax < 1) {
            throw new IllegalArgumentException("stripesInFlightMax < 1: " + stripesInFlightMax);
        }
        BatchPipeline<T> pipeline = new BatchPipeline<>(List.copyOf(batches), stripesInFlightMax, task);
        if (batches.isEmpty()) {
            pipeline.done.complete(List.of());
        } else {
            pipeline.pump();
        }
        return pipeline.done;
    }

    private void pump() {
        if (pumpRequests.getAndIncrement() != 0) {
            return;
        }
        do {
            while (nextBatch < batches.size() && !done.isDone() && fits(batches.get(nextBatch))) {
                start(nextBatch++);
            }
        } while (pumpRequests.decrementAndGet() != 0);
    }

    private boolean fits(StripeBatch batch) {
        int inFlight = stripesInFlight.get();
        return inFlight == 0 || inFlight + batch.size() <= stripesInFlightMax;
    }

    private void start(int index) {
        StripeBatch batch = batches.get(index);
        stripesInFlight.addAndGet(batch.size());
        CompletableFuture<T> running;
        try {
            running = task.apply(batch);
        } catch (RuntimeException e) {
            running = CompletableFuture.failedFuture(e);
        }
        running.whenComplete((result, failure) -> finish(index, batch, result, failure));
    }

    private void finish(int index, StripeBatch batch, T result, Throwable failure) {
        stripesInFlight.addAndGet(-batch.size());
        if (failure != null) {
            done.completeExceptionally(unwrap(failure));
            return;
        }
        results.set(index, result);
        if (batchesCompleted.incrementAndGet() == batches.size()) {
            List<T> ordered = new ArrayList<>(batches.size());
            for (int i = 0; i < batches.size(); i++) {
                ordered.add(results.get(i));
            }
            done.complete(ordered);
            return;
        }
        pump();
    }

    /** Returns the failure a {@link CompletableFuture} stage wrapped, so callers see the typed cause. */
    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
