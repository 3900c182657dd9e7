package dev.ratchet.deploy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The load generator on a fake target and a manual ticker: every operation of a round takes the
 * same latency, so counts are exact and nothing sleeps.
 */
class LoadGeneratorTest {
    private static final Duration LATENCY = Duration.ofMillis(10);

    private final ManualTicker ticker = new ManualTicker();
    private final FakeKvTarget target = new FakeKvTarget(ticker);

    @Test
    void run_countsOnlyOperationsCompletedInsideTheWindow() {
        // Warm-up 1 s, window 2 s: rounds complete at 10, 20, ... ms; those at 1000..2990 ms count.
        LoadGenerator generator = new LoadGenerator(spec(Mix.PUT, 4, 1, 2), target, ticker);
        CompletableFuture<Void> run = generator.run();

        int rounds = target.drain(LATENCY);

        assertTrue(run.isDone());
        assertEquals(300, rounds, "the last operations start at 2990 ms");
        assertEquals(4 * 300, target.puts);
        BenchResult result = generator.result();
        assertEquals(4 * 200, result.operations());
        assertEquals(400.0, result.operationsPerSecond());
        assertEquals(0, result.errors());
        assertEquals(0, result.unfinished());
    }

    @Test
    void run_reportsLatencyPercentiles() {
        LoadGenerator generator = new LoadGenerator(spec(Mix.PUT, 2, 0, 1), target, ticker);
        generator.run();
        target.drain(LATENCY);

        BenchResult result = generator.result();
        assertClose(LATENCY.toNanos(), result.p50Nanos());
        assertClose(LATENCY.toNanos(), result.p99Nanos());
        assertClose(LATENCY.toNanos(), result.p999Nanos());
    }

    @Test
    void run_percentilesFollowTheSlowRounds() {
        // One client, a 2 s window: 1990 operations of 1 ms, 3 of 3 ms (ending at 1999 ms), then
        // one ending at 2000 ms, outside the window. p99.9 of 1993 is the 1992nd smallest: 3 ms.
        LoadGenerator generator = new LoadGenerator(spec(Mix.PUT, 1, 0, 2), target, ticker);
        generator.run();
        for (int i = 0; i < 1990; i++) {
            target.completeRound(Duration.ofMillis(1));
        }
        for (int i = 0; i < 3; i++) {
            target.completeRound(Duration.ofMillis(3));
        }
        target.drain(Duration.ofMillis(1));

        BenchResult result = generator.result();
        assertEquals(1990 + 3, result.operations());
        assertClose(1_000_000, result.p50Nanos());
        assertClose(1_000_000, result.p99Nanos());
        assertClose(3_000_000, result.p999Nanos());
    }

    @Test
    void run_countsErrorsAndKeepsThemOutOfTheOperations() {
        // One client, one operation per round: operation k starts at 10(k-1) ms and ends at 10k ms.
        // Every third fails; operations 100..299 end inside the window, 66 of them failed.
        target.failing(sequence -> sequence % 3 == 0);
        LoadGenerator generator = new LoadGenerator(spec(Mix.PUT, 1, 1, 2), target, ticker);
        generator.run();
        target.drain(LATENCY);

        BenchResult result = generator.result();
        assertEquals(300 / 3, result.errors(), "failures count in warm-up and window alike");
        assertEquals(200 - 66, result.operations());
        assertEquals(67.0, result.operationsPerSecond());
        assertTrue(generator.firstError().getMessage().contains("injected failure"));
    }

    @Test
    void run_stopsStartingOperationsAtTheEndOfTheWindow() {
        LoadGenerator generator = new LoadGenerator(spec(Mix.PUT, 3, 0, 1), target, ticker);
        CompletableFuture<Void> run = generator.run();
        ticker.advance(Duration.ofSeconds(5)); // the first round completes long after the window

        target.completeRound(Duration.ZERO);

        assertTrue(run.isDone());
        assertEquals(3, target.puts);
        assertEquals(0, target.pendingCount());
        assertEquals(0, generator.result().operations());
    }

    @Test
    void result_whileOperationsHang_reportsThemUnfinished() {
        LoadGenerator generator = new LoadGenerator(spec(Mix.PUT, 5, 0, 1), target, ticker);
        CompletableFuture<Void> run = generator.run();
        ticker.advance(Duration.ofSeconds(2));

        BenchResult result = generator.result();

        assertFalse(run.isDone());
        assertEquals(5, result.unfinished());
        assertEquals(5, result.failures());
        assertEquals(-1, result.p50Nanos());
        assertTrue(result.summaryLine().endsWith("ops_per_s=0.0 p50_ms=nan p99_ms=nan p999_ms=nan"));
    }

    @Test
    void preload_writesEveryKeyOnceWithBoundedConcurrency() throws Exception {
        LoadGenerator generator = new LoadGenerator(spec(Mix.GET, 1, 0, 1), target, ticker);
        CompletableFuture<Void> preload = generator.preload();
        assertEquals(LoadGenerator.PRELOAD_IN_FLIGHT, target.pendingCount());

        target.drain(LATENCY);

        preload.get();
        assertEquals(1000, target.puts);
        assertEquals(1000, target.distinctKeysWritten());
    }

    @Test
    void preload_failure_failsWithTheCount() {
        target.failing(sequence -> sequence == 7 || sequence == 900);
        LoadGenerator generator = new LoadGenerator(spec(Mix.GET, 1, 0, 1), target, ticker);
        CompletableFuture<Void> preload = generator.preload();
        target.drain(LATENCY);

        ExecutionException failure = assertThrows(ExecutionException.class, preload::get);
        assertTrue(
                failure.getCause().getMessage().startsWith("preload failed: 2 of 1000 puts failed"),
                failure.getCause().getMessage());
    }

    @Test
    void getMix_afterPreload_issuesOnlyGetsOfWrittenKeys() {
        LoadGenerator generator = new LoadGenerator(spec(Mix.GET, 8, 0, 1), target, ticker);
        generator.preload();
        target.drain(LATENCY);
        int preloadPuts = target.puts;

        generator.run();
        target.drain(LATENCY);

        assertEquals(preloadPuts, target.puts);
        assertEquals(8 * 100, target.gets);
        assertEquals(0, generator.result().errors(), "the fake fails a get of an unwritten key");
    }

    @Test
    void putGetMix_issuesBothAndIsRepeatable() {
        LoadGenerator generator = new LoadGenerator(spec(Mix.PUT_GET, 4, 0, 1), target, ticker);
        generator.preload();
        target.drain(LATENCY);
        int preloadPuts = target.puts;
        generator.run();
        target.drain(LATENCY);
        int puts = target.puts - preloadPuts;
        int gets = target.gets;

        ManualTicker otherTicker = new ManualTicker();
        FakeKvTarget other = new FakeKvTarget(otherTicker);
        LoadGenerator again = new LoadGenerator(spec(Mix.PUT_GET, 4, 0, 1), other, otherTicker);
        again.preload();
        other.drain(LATENCY);
        again.run();
        other.drain(LATENCY);

        assertEquals(400, puts + gets);
        assertTrue(puts > 150 && gets > 150, puts + " puts, " + gets + " gets");
        assertEquals(gets, other.gets, "same seed, same operations");
    }

    @Test
    void run_withTargetCompletingAtOnce_loopsWithoutDeepStacks() {
        KvTarget instant = new KvTarget() {
            @Override
            public String name() {
                return "instant";
            }

            @Override
            public CompletableFuture<?> put(byte[] key, byte[] value) {
                ticker.advance(Duration.ofNanos(10_000));
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<?> get(byte[] key) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {}
        };
        LoadGenerator generator = new LoadGenerator(spec(Mix.PUT, 2, 0, 1), instant, ticker);

        CompletableFuture<Void> run = generator.run();

        assertTrue(run.isDone());
        // Client 0 takes the whole window (operation k ends at 10k µs; the one ending at 1 s is
        // outside it); client 1 starts when the window has ended.
        assertEquals(99_999, generator.result().operations());
    }

    @Test
    void run_targetThrowing_countsEachThrowAsAnError() {
        KvTarget throwing = new KvTarget() {
            @Override
            public String name() {
                return "throwing";
            }

            @Override
            public CompletableFuture<?> put(byte[] key, byte[] value) {
                ticker.advance(Duration.ofMillis(100));
                throw new IllegalStateException("closed");
            }

            @Override
            public CompletableFuture<?> get(byte[] key) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {}
        };
        LoadGenerator generator = new LoadGenerator(spec(Mix.PUT, 1, 0, 1), throwing, ticker);

        generator.run();

        assertEquals(10, generator.result().errors());
        assertEquals(0, generator.result().unfinished());
        assertEquals("IllegalStateException: closed", LoadGenerator.describe(generator.firstError()));
    }

    private static LoadSpec spec(Mix mix, int clients, int warmupSeconds, int durationSeconds) {
        return new LoadSpec(
                mix, clients, Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(durationSeconds), 1000, 16, 42);
    }

    private static void assertClose(long expected, long actual) {
        assertTrue(Math.abs(actual - expected) <= expected / 2000, "expected ~" + expected + ", got " + actual);
    }
}
