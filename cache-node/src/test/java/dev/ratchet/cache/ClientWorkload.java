package dev.ratchet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.client.CasResult;
import dev.ratchet.client.ErrorCode;
import dev.ratchet.client.Expectation;
import dev.ratchet.client.RatchetClient;
import dev.ratchet.client.RatchetException;
import dev.ratchet.client.VersionedValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test fixture: client threads of the real SDK doing unique puts and compare-and-set increments
 * of a few counters until stopped, recording what the client was told, and the checks of what
 * the cluster holds afterwards.
 *
 * <p>An increment reads the counter and compare-and-sets {@code n -> n + 1} on the version it
 * read. With exactly-once retries each counter value {@code 1..final} was written by exactly one
 * compare-and-set, which either succeeded (the client was told so, and nobody else may have been
 * told the same value) or ended OUTCOME_UNKNOWN and applied. So {@code successes <= final <=
 * successes + unknowns}, and the values the successes wrote are distinct and at most {@code
 * final}. A retry applied twice shows up as a compare-and-set told "failed" although it applied
 * (final above the bound) or as two successes writing one value.
 */
final class ClientWorkload implements AutoCloseable {
    /** How long a stopped thread may take to finish its operation: a write's whole retry budget. */
    private static final long STOP_WAIT_SECONDS = 60;

    private final RatchetClient client;
    private final List<String> counters;
    private final ExecutorService threads;
    private final List<Future<?>> running = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();

    /** Acknowledged unique puts: key to value. */
    final Map<String, String> acknowledged = new ConcurrentHashMap<>();

    /** Per counter: the values successful compare-and-sets wrote (each must appear once). */
    final Map<String, Set<Long>> casWrote = new ConcurrentHashMap<>();

    /** Per counter: successes, and compare-and-sets that ended OUTCOME_UNKNOWN. */
    final Map<String, AtomicInteger> casSucceeded = new ConcurrentHashMap<>();

    final Map<String, AtomicInteger> casUnknown = new ConcurrentHashMap<>();

    /** Two successes that reported the same counter value: must stay empty. */
    final List<String> duplicateValues = Collections.synchronizedList(new ArrayList<>());

    /** Failures per code (retries exhausted), for the checks and for diagnosis. */
    private final Map<ErrorCode, AtomicInteger> failures = new ConcurrentHashMap<>();

    private final AtomicInteger successes = new AtomicInteger();

    ClientWorkload(RatchetClient client, List<String> counters, int threadCount) {
        this.client = client;
        this.counters = List.copyOf(counters);
        this.threads = Executors.newFixedThreadPool(threadCount);
        for (String counter : counters) {
            casWrote.put(counter, ConcurrentHashMap.newKeySet());
            casSucceeded.put(counter, new AtomicInteger());
            casUnknown.put(counter, new AtomicInteger());
        }
    }

    /** Creates every counter at "0" (retrying until it is known to be there). */
    void createCounters() {
        for (String counter : counters) {
            client.put(bytes(counter), bytes("0"));
        }
    }

    /** Starts {@code count} threads of unique puts, keys prefixed by {@code prefix}. */
    void startPutters(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            String thread = prefix + i;
            running.add(threads.submit(() -> {
                for (long n = 0; !stop.get(); n++) {
                    put(thread + "-" + n, "value-" + thread + "-" + n);
                }
            }));
        }
    }

    /** Starts {@code count} threads of compare-and-set increments over the counters, round robin. */
    void startIncrementers(int count) {
        for (int i = 0; i < count; i++) {
            int first = i;
            running.add(threads.submit(() -> {
                for (int n = first; !stop.get(); n++) {
                    increment(counters.get(n % counters.size()));
                }
            }));
        }
    }

    /** Returns the operations acknowledged as applied so far (puts and successful increments). */
    int successes() {
        return successes.get();
    }

    /** Returns how many operations ended with {@code code}. */
    int failures(ErrorCode code) {
        AtomicInteger count = failures.get(code);
        return count == null ? 0 : count.get();
    }

    /** Stops the threads and waits (bounded) for them. */
    void stop() throws Exception {
        stop.set(true);
        for (Future<?> thread : running) {
            thread.get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /**
     * Checks the cluster against what clients were told: every acknowledged put is readable with
     * its value, and every counter obeys the exactly-once bound in the class comment.
     */
    void checkNothingLostOrDoubled() {
        Map<String, CompletableFuture<Optional<VersionedValue>>> reads = new HashMap<>();
        acknowledged.keySet().forEach(key -> reads.put(key, client.getAsync(bytes(key))));
        acknowledged.forEach((key, value) -> assertEquals(
                Optional.of(value), reads.get(key).join().map(ClientWorkload::text), "acknowledged put of " + key));
        assertEquals(List.of(), duplicateValues, "two successful compare-and-sets wrote one counter value");
        for (String counter : counters) {
            long value = Long.parseLong(text(client.get(bytes(counter)).orElseThrow()));
            int succeeded = casSucceeded.get(counter).get();
            int unknown = casUnknown.get(counter).get();
            String state = counter + "=" + value + " after " + succeeded + " successes and " + unknown + " unknown";
            assertTrue(value >= succeeded, "a successful compare-and-set is lost: " + state);
            assertTrue(value <= succeeded + unknown, "a compare-and-set applied more than reported: " + state);
            for (long wrote : casWrote.get(counter)) {
                assertTrue(wrote >= 1 && wrote <= value, "success wrote " + wrote + " but " + state);
            }
        }
    }

    /** Returns failures by code, for assertion messages. */
    Map<ErrorCode, Integer> failureCounts() {
        Map<ErrorCode, Integer> counts = new EnumMap<>(ErrorCode.class);
        failures.forEach((code, count) -> counts.put(code, count.get()));
        return counts;
    }

    @Override
    public String toString() {
        return "acknowledged puts=" + acknowledged.size() + ", compare-and-set successes=" + casSucceeded + ", unknown="
                + casUnknown + ", failures=" + failureCounts();
    }

    @Override
    public void close() {
        stop.set(true);
        threads.shutdownNow();
    }

    private void put(String key, String value) {
        try {
            client.put(bytes(key), bytes(value));
            acknowledged.put(key, value);
            successes.incrementAndGet();
        } catch (RatchetException e) {
            failed(e);
        }
    }

    private void increment(String counter) {
        VersionedValue current;
        try {
            current = client.get(bytes(counter)).orElseThrow();
        } catch (RatchetException e) {
            failed(e);
            return;
        }
        long next = Long.parseLong(text(current)) + 1;
        try {
            CasResult result = client.compareAndSet(
                    bytes(counter), Expectation.version(current.version()), bytes(Long.toString(next)));
            if (result.succeeded()) {
                casSucceeded.get(counter).incrementAndGet();
                if (!casWrote.get(counter).add(next)) {
                    duplicateValues.add(counter + "=" + next);
                }
                successes.incrementAndGet();
            }
        } catch (RatchetException e) {
            if (e.outcomeUnknown()) {
                casUnknown.get(counter).incrementAndGet();
            }
            failed(e);
        }
    }

    private void failed(RatchetException e) {
        failures.computeIfAbsent(e.code(), code -> new AtomicInteger()).incrementAndGet();
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(VersionedValue value) {
        return new String(value.value(), StandardCharsets.UTF_8);
    }
}
