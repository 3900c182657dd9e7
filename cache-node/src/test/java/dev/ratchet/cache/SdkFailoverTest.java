package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.awaitUntil;
import static dev.ratchet.cache.ClientWorkload.bytes;
import static dev.ratchet.cache.ClientWorkload.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.ratchet.client.ErrorCode;
import dev.ratchet.client.RatchetClient;
import dev.ratchet.tablet.TabletStoreNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole stack through the real client SDK under faults: the tablet store's leader killed
 * under load, and a cache node crashed with requests in flight. The tests share one cluster
 * (starting it is most of their cost) but not their cache nodes: each starts two of its own, and
 * each needs only a majority of the tablet store, which the leader kill leaves.
 */
class SdkFailoverTest {
    /** Operations acknowledged before a fault, so the fault hits a loaded cluster. */
    private static final int WARM_UP_SUCCESSES = 20;

    /** Operations acknowledged after a fault: more than the threads, so not answers already on their way. */
    private static final int RESUMED_SUCCESSES = 20;

    private static CacheCluster cluster;
    private CacheNode first;
    private CacheNode second;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = CacheCluster.start();
    }

    @BeforeEach
    void startCacheNodes() throws Exception {
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
    void cacheNodeCrashedMidBatch_clientsRetryOnTheOtherNode_exactlyOnce() throws Exception {
        // A long deadline, so on a loaded machine only the crash can leave a write in doubt.
        try (RatchetClient client = cluster.sdk(first, second)
                        .requestTimeout(Duration.ofSeconds(15))
                        .build();
                ClientWorkload workload = new ClientWorkload(client, List.of("crash-a", "crash-b", "crash-c"), 6)) {
            workload.createCounters();
            workload.startPutters("crash-put-", 2);
            workload.startIncrementers(4);
            awaitUntil("writes before the crash", () -> workload.successes() >= WARM_UP_SUCCESSES);

            // The first node to get a commit applied after this point crashes right then, before
            // answering: that batch's writes landed, and its clients retry on the other node.
            AtomicReference<CacheNode> victim = new AtomicReference<>();
            for (CacheNode node : List.of(first, second)) {
                node.dropCommandAnswersForTest(command -> {
                    if (!command.hasCommitTablets() || !victim.compareAndSet(null, node)) {
                        return false;
                    }
                    node.crashForTest();
                    return true;
                });
            }
            awaitUntil("a cache node crashed mid-batch", () -> victim.get() != null);
            int atCrash = workload.successes();
            awaitUntil("writes after the crash", () -> workload.successes() >= atCrash + RESUMED_SUCCESSES);
            workload.stop();

            workload.checkNothingLostOrDoubled();
            assertNoBrokenCodes(workload);
            // Stricter than the bound: a retry on the live node finds the recorded outcome of
            // every write the crash cut off, so none is left in doubt.
            assertEquals(0, workload.failures(ErrorCode.OUTCOME_UNKNOWN), workload.toString());
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
