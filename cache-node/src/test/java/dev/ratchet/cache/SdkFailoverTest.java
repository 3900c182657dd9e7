package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.awaitUntil;
import static dev.ratchet.cache.ClientWorkload.bytes;
import static dev.ratchet.cache.ClientWorkload.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.client.CasResult;
import dev.ratchet.client.ErrorCode;
import dev.ratchet.client.Expectation;
import dev.ratchet.client.RatchetClient;
import dev.ratchet.client.RatchetException;
import dev.ratchet.client.VersionedValue;
import dev.ratchet.client.proto.CompareAndSetRequest;
import dev.ratchet.client.proto.CompareAndSetResponse;
import dev.ratchet.client.proto.KvServiceGrpc;
import dev.ratchet.tablet.TabletStoreNode;
import dev.ratchet.tablet.proto.Command;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole stack through the real client SDK under faults, one fresh cluster per test: the
 * tablet store's leader killed under load, a cache node crashed with requests in flight, and a
 * commit whose answer is lost (OUTCOME_UNKNOWN settled exactly once by a retry).
 */
class SdkFailoverTest {
    /** Operations acknowledged before a fault, so the fault hits a loaded cluster. */
    private static final int WARM_UP_SUCCESSES = 20;

    /** Operations acknowledged after a fault: more than the threads, so not answers already on their way. */
    private static final int RESUMED_SUCCESSES = 20;

    private CacheCluster cluster;
    private CacheNode first;
    private CacheNode second;

    @BeforeEach
    void start() throws Exception {
        cluster = CacheCluster.start();
        first = cluster.startCache();
        second = cluster.startCache();
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void tabletStoreLeaderKilled_whileClientsWrite_serviceResumes_andNoAcknowledgedWriteIsLost() throws Exception {
        try (RatchetClient client = cluster.sdk(first, second).build();
                ClientWorkload workload = new ClientWorkload(client, List.of("leader-counter"), 4)) {
            workload.createCounters();
            workload.startPutters("leader-put-", 3);
            workload.startIncrementers(1);
            awaitUntil("writes before the fault", () -> workload.successes() >= WARM_UP_SUCCESSES);

            TabletStoreNode leader = cluster.leaderStore();
            leader.close();
            int atKill = workload.successes();
            awaitUntil("writes after the leader died", () -> workload.successes() >= atKill + RESUMED_SUCCESSES);
            workload.stop();

            assertFalse(cluster.leaderStore().nodeId().equals(leader.nodeId()), "a new leader was elected");
            client.put(bytes("after-failover"), bytes("fresh"));
            assertEquals("fresh", text(client.get(bytes("after-failover")).orElseThrow()));
            workload.checkNothingLostOrDoubled();
            assertNoBrokenCodes(workload);
        }
    }

    @Test
    void cacheNodeCrashed_withRequestsInFlight_clientsRetryOnTheOther_exactlyOnce() throws Exception {
        try (RatchetClient client = cluster.sdk(first, second).build();
                ClientWorkload workload = new ClientWorkload(client, List.of("crash-a", "crash-b", "crash-c"), 6)) {
            workload.createCounters();
            workload.startPutters("crash-put-", 2);
            workload.startIncrementers(4);
            awaitUntil("writes before the crash", () -> workload.successes() >= WARM_UP_SUCCESSES);

            // Crash whichever node is busy right now, so the crash cuts requests off mid-call.
            CacheNode[] victim = new CacheNode[1];
            awaitUntil("a cache node with requests in flight", () -> {
                for (CacheNode node : List.of(first, second)) {
                    if (node.requestsInFlight() > 0) {
                        victim[0] = node;
                        return true;
                    }
                }
                return false;
            });
            victim[0].crashForTest();
            int atCrash = workload.successes();
            awaitUntil("writes after the crash", () -> workload.successes() >= atCrash + RESUMED_SUCCESSES);
            workload.stop();

            workload.checkNothingLostOrDoubled();
            assertNoBrokenCodes(workload);
            CacheNode survivor = victim[0] == first ? second : first;
            assertEquals(0, survivor.requestsInFlight(), "the survivor answered everything");
        }
    }

    @Test
    void commitAnswerLost_clientSeesOutcomeUnknown_andARetryWithTheSameIdAppliesOnce() throws Exception {
        // One attempt only: the lost answer is what the client gets, and the write did land.
        AtomicBoolean armed = new AtomicBoolean(true);
        Predicate<Command> dropOneCommit = command -> command.hasCommitTablets() && armed.getAndSet(false);
        first.dropCommandAnswersForTest(dropOneCommit);
        second.dropCommandAnswersForTest(dropOneCommit);
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

    /** Faults may exhaust retries (retryable codes, unknown outcomes) but never break the protocol. */
    private static void assertNoBrokenCodes(ClientWorkload workload) {
        for (ErrorCode code : ErrorCode.values()) {
            if (!code.retryable()) {
                assertEquals(0, workload.failures(code), code + " in " + workload.failureCounts());
            }
        }
    }
}
