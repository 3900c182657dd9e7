package dev.ratchet.sector.array;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchPipelineTest {
    @Test
    void run_startsBatchesOnlyWhileTheirStripesFitTheWindow() {
        List<StripeBatch> batches = StripeBatch.split(ArrayFixture.stripes(0, 20), 3);
        List<CompletableFuture<Integer>> started = new ArrayList<>();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger inFlightMax = new AtomicInteger();

        CompletableFuture<List<Integer>> done = BatchPipeline.run(batches, 7, batch -> {
            inFlightMax.accumulateAndGet(inFlight.addAndGet(batch.size()), Math::max);
            CompletableFuture<Integer> future = new CompletableFuture<>();
            started.add(future);
            return future.whenComplete((v, e) -> inFlight.addAndGet(-batch.size()));
        });
        assertEquals(2, started.size(), "two batches of 3 fit a window of 7, a third does not");
        for (int i = 0; i < started.size(); i++) {
            started.get(i).complete(i);
        }

        assertEquals(7, started.size());
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), done.join());
        assertTrue(inFlightMax.get() <= 7);
    }

    @Test
    void run_withSynchronousTasks_usesConstantStack() {
        List<StripeBatch> batches = StripeBatch.split(ArrayFixture.stripes(0, 100_000), 1);

        List<Long> results = BatchPipeline.run(
                        batches, 1, batch -> CompletableFuture.completedFuture(batch.sectorIndices()[0]))
                .join();

        assertEquals(100_000, results.size());
        assertEquals(99_999L, results.get(99_999));
    }

    @Test
    void run_afterAFailure_failsWithItAndStartsNothingMore() {
        List<StripeBatch> batches = StripeBatch.split(ArrayFixture.stripes(0, 10), 1);
        IllegalStateException boom = new IllegalStateException("boom");
        AtomicInteger startCount = new AtomicInteger();

        CompletableFuture<List<Object>> done = BatchPipeline.run(batches, 1, batch -> {
            startCount.incrementAndGet();
            return batch.firstPosition() == 2
                    ? CompletableFuture.failedFuture(boom)
                    : CompletableFuture.completedFuture(null);
        });

        assertSame(
                boom,
                BatchPipeline.unwrap(assertInstanceOf(
                        Throwable.class, done.handle((v, e) -> e).join())));
        assertEquals(3, startCount.get());
    }

    @Test
    void run_withNoBatches_completesEmpty() {
        assertEquals(
                List.of(),
                BatchPipeline.run(List.of(), 1, batch -> new CompletableFuture<>())
                        .join());
    }
}
