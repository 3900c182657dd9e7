package dev.ratchet.deploy.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntPredicate;

/**
 * A target whose operations complete only when the test says so, in rounds: {@link #completeRound}
 * moves the ticker by one latency and completes every operation pending at that moment, failing
 * the ones chosen by {@link #failing}. It is single-threaded, like the tests that use it.
 */
final class FakeKvTarget implements KvTarget {
    private final ManualTicker ticker;
    private final List<CompletableFuture<Object>> pending = new ArrayList<>();
    private final Set<String> written = new HashSet<>();
    private final Set<CompletableFuture<Object>> failures = new HashSet<>();
    /** Which operations fail, by their 1-based sequence number. */
    private IntPredicate fails = sequence -> false;

    int puts;
    int gets;
    int closed;
    private int sequence;

    FakeKvTarget(ManualTicker ticker) {
        this.ticker = ticker;
    }

    FakeKvTarget failing(IntPredicate fails) {
        this.fails = fails;
        return this;
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public CompletableFuture<?> put(byte[] key, byte[] value) {
        puts++;
        written.add(new String(key, StandardCharsets.US_ASCII));
        return start();
    }

    @Override
    public CompletableFuture<?> get(byte[] key) {
        gets++;
        if (!written.contains(new String(key, StandardCharsets.US_ASCII))) {
            throw new IllegalStateException("get of a key never written");
        }
        return start();
    }

    private CompletableFuture<?> start() {
        sequence++;
        CompletableFuture<Object> operation = new CompletableFuture<>();
        pending.add(operation);
        if (fails.test(sequence)) {
            failures.add(operation);
        }
        return operation;
    }

    int pendingCount() {
        return pending.size();
    }

    int distinctKeysWritten() {
        return written.size();
    }

    /** Moves time by {@code latency}, then completes every operation pending before the move. */
    void completeRound(Duration latency) {
        ticker.advance(latency);
        List<CompletableFuture<Object>> round = new ArrayList<>(pending);
        pending.clear();
        for (CompletableFuture<Object> operation : round) {
            if (failures.remove(operation)) {
                operation.completeExceptionally(new IllegalStateException("injected failure"));
            } else {
                operation.complete("ok");
            }
        }
    }

    /** Completes rounds until nothing is pending; returns how many rounds it took. */
    int drain(Duration latency) {
        int rounds = 0;
        while (!pending.isEmpty()) {
            completeRound(latency);
            rounds++;
        }
        return rounds;
    }

    @Override
    public void close() {
        closed++;
    }
}
