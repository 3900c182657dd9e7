package dev.ratchet.cache;

import static dev.ratchet.cache.ClientWorkload.bytes;
import static dev.ratchet.cache.ClientWorkload.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import dev.ratchet.client.CasResult;
import dev.ratchet.client.ErrorCode;
import dev.ratchet.client.Expectation;
import dev.ratchet.client.RatchetClient;
import dev.ratchet.client.RatchetException;
import dev.ratchet.client.VersionedValue;
import dev.ratchet.client.proto.CompareAndSetRequest;
import dev.ratchet.client.proto.CompareAndSetResponse;
import dev.ratchet.client.proto.KvServiceGrpc;
import dev.ratchet.tablet.proto.Command;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole stack through the real client SDK on one healthy cluster with two cache nodes:
 * clients the cluster must refuse, concurrent compare-and-set increments, and commits whose
 * answer is lost (OUTCOME_UNKNOWN, settled exactly once by a retry with the same request id).
 */
class SdkClusterTest {
    private static final int THREADS = 8;
    private static final int INCREMENTS_PER_THREAD = 8;
    private static final List<String> COUNTERS = List.of("hot-a", "hot-b", "hot-c");

    private static CacheCluster cluster;
    private static CacheNode first;
    private static CacheNode second;

    @BeforeAll
    static void start() throws Exception {
        cluster = CacheCluster.start();
        first = cluster.startCache();
        second = cluster.startCache();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void clientOfAnotherCa_isRefusedAtTheHandshake_andTheClusterKeepsServing() {
        TestClusterCa stranger = new TestClusterCa(Clock.systemUTC());
        try (RatchetClient unattested = RatchetClient.builder()
                        .identity(stranger.identity(Role.CLIENT))
                        .verifier(cluster.verifier)
                        .endpoint(first.address())
                        .endpoint(second.address())
                        .maxAttempts(2)
                        .initialBackoff(Duration.ofMillis(10))
                        .build();
                RatchetClient good = cluster.sdk(first, second).build()) {
            RatchetException put =
                    assertThrows(RatchetException.class, () -> unattested.put(bytes("stranger"), bytes("x")));
            // The node refuses the client's certificate: the client knows the handshake failed,
            // so nothing was sent and the write is not in doubt.
            assertEquals(ErrorCode.UNAVAILABLE, put.code(), put.getMessage());
            assertFalse(put.outcomeUnknown());
            assertTrue(put.getMessage().contains("TLS handshake failed"), put.getMessage());
            RatchetException get = assertThrows(RatchetException.class, () -> unattested.get(bytes("stranger")));
            assertEquals(ErrorCode.UNAVAILABLE, get.code(), get.getMessage());

            good.put(bytes("stranger-neighbour"), bytes("served"));
            assertEquals("served", text(good.get(bytes("stranger-neighbour")).orElseThrow()));
            assertEquals(Optional.empty(), good.get(bytes("stranger")));
        }
    }

    @Test
    void clientTrustingAnotherCa_refusesTheCacheNodes_andSendsNothing() {
        TestClusterCa stranger = new TestClusterCa(Clock.systemUTC());
        try (RatchetClient misled = cluster.sdk()
                        .verifier(stranger.verifier())
                        .endpoint(first.address())
                        .build();
                RatchetClient good = cluster.sdk(first, second).build()) {
            RatchetException put = assertThrows(RatchetException.class, () -> misled.put(bytes("misled"), bytes("x")));
            assertEquals(ErrorCode.ATTESTATION_REFUSED, put.code(), put.getMessage());
            assertFalse(put.outcomeUnknown());
            assertEquals(Optional.empty(), good.get(bytes("misled")));
        }
    }

    @Test
    void concurrentCompareAndSetIncrements_finalValueIsTheNumberOfSuccesses() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        // Generous deadlines: no fault here, so no attempt may end in doubt.
        try (RatchetClient client = cluster.sdk(first, second)
                .requestTimeout(Duration.ofSeconds(30))
                .build()) {
            for (String counter : COUNTERS) {
                client.put(bytes(counter), bytes("0"));
            }
            List<AtomicInteger> successes = new ArrayList<>();
            COUNTERS.forEach(counter -> successes.add(new AtomicInteger()));
            AtomicInteger refused = new AtomicInteger();
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int index = t % COUNTERS.size();
                boolean byValue = t % 2 == 1;
                running.add(threads.submit(() -> {
                    for (int done = 0; done < INCREMENTS_PER_THREAD; ) {
                        if (increment(client, COUNTERS.get(index), byValue)) {
                            successes.get(index).incrementAndGet();
                            done++;
                        } else {
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> thread : running) {
                thread.get(60, TimeUnit.SECONDS);
            }
            int total = 0;
            for (int i = 0; i < COUNTERS.size(); i++) {
                VersionedValue stored = client.get(bytes(COUNTERS.get(i))).orElseThrow();
                assertEquals(successes.get(i).get(), Long.parseLong(text(stored)), COUNTERS.get(i));
                total += successes.get(i).get();
            }
            assertEquals(THREADS * INCREMENTS_PER_THREAD, total);
            assertTrue(refused.get() > 0, "the threads contended (some comparisons failed)");
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void commitAnswerLost_clientSeesOutcomeUnknown_andARetryWithTheSameIdAppliesOnce() throws Exception {
        // One attempt only: the lost answer is what the client gets, and the write did land.
        AtomicBoolean armed = new AtomicBoolean(true);
        Predicate<Command> dropOneCommit = command -> command.hasCommitTablets() && armed.getAndSet(false);
        first.dropCommandAnswersForTest(dropOneCommit);
        second.dropCommandAnswersForTest(dropOneCommit);
        try {
            lostAnswers(armed);
        } finally {
            first.dropCommandAnswersForTest(command -> false);
            second.dropCommandAnswersForTest(command -> false);
        }
    }

    private static void lostAnswers(AtomicBoolean armed) {
        try (RatchetClient once = cluster.sdk(first).maxAttempts(1).build()) {
            RatchetException lost =
                    assertThrows(RatchetException.class, () -> once.put(bytes("lost-answer"), bytes("landed")));
            assertEquals(ErrorCode.OUTCOME_UNKNOWN, lost.code(), lost.getMessage());
            assertTrue(lost.outcomeUnknown());
            assertFalse(armed.get(), "the hook dropped the answer");
            assertEquals("landed", text(once.get(bytes("lost-answer")).orElseThrow()));
        }

        // With retries, the SDK's second attempt (same request id, the other node) finds the
        // recorded outcome: a success on the version it wrote, although the comparison no longer
        // holds and a re-evaluation would fail.
        try (RatchetClient client = cluster.sdk(first, second).build()) {
            long created = client.put(bytes("lost-cas"), bytes("0"));
            armed.set(true);
            CasResult swapped = client.compareAndSet(bytes("lost-cas"), Expectation.version(created), bytes("1"));
            assertFalse(armed.get(), "the hook dropped the answer");
            assertTrue(swapped.succeeded(), swapped.toString());
            VersionedValue stored = client.get(bytes("lost-cas")).orElseThrow();
            assertEquals("1", text(stored));
            assertEquals(swapped.version(), stored.version(), "applied once: no later version");
            assertFalse(client.compareAndSet(bytes("lost-cas"), Expectation.version(created), bytes("2"))
                    .succeeded());
        }

        // The same with the request id in the test's hands: first attempt on one node, the retries
        // on both; every answer is the one recorded outcome.
        ByteString key = ByteString.copyFromUtf8("lost-raw");
        KvServiceGrpc.KvServiceBlockingStub kv = cluster.stub(first).withDeadlineAfter(60, TimeUnit.SECONDS);
        KvServiceGrpc.KvServiceBlockingStub kv2 = cluster.stub(second).withDeadlineAfter(60, TimeUnit.SECONDS);
        CompareAndSetRequest request = CompareAndSetRequest.newBuilder()
                .setKey(key)
                .setValue(ByteString.copyFromUtf8("raw"))
                .setExpectAbsent(true)
                .setRequestId(CacheCluster.requestId())
                .build();
        armed.set(true);
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> kv.compareAndSet(request));
        assertTrue(
                String.valueOf(unknown.getStatus().getDescription()).startsWith("OUTCOME_UNKNOWN"),
                unknown.getStatus().toString());
        CompareAndSetResponse retried = kv2.compareAndSet(request);
        CompareAndSetResponse again = kv.compareAndSet(request);
        assertTrue(retried.getSucceeded());
        assertEquals(retried, again);
        try (RatchetClient client = cluster.sdk(second).build()) {
            VersionedValue stored = client.get(bytes("lost-raw")).orElseThrow();
            assertEquals("raw", text(stored));
            assertEquals(retried.getVersion(), stored.version());
        }
    }

    /** Reads the counter and compare-and-sets it one higher; returns whether the swap succeeded. */
    private static boolean increment(RatchetClient client, String counter, boolean byValue) {
        VersionedValue current = client.get(bytes(counter)).orElseThrow();
        long next = Long.parseLong(text(current)) + 1;
        Expectation expectation = byValue ? Expectation.value(current.value()) : Expectation.version(current.version());
        CasResult result = client.compareAndSet(bytes(counter), expectation, bytes(Long.toString(next)));
        return result.succeeded();
    }
}
