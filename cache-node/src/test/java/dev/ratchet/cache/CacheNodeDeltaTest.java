package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheNodeKvTest.get;
import static dev.ratchet.cache.CacheNodeKvTest.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.client.proto.GetResponse;
import dev.ratchet.client.proto.KvServiceGrpc;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.QueryResult;
import dev.ratchet.tablet.proto.RingQuery;
import dev.ratchet.tablet.proto.TabletMeta;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Delta writes through the whole stack: small batches on a big tablet are written as delta blobs,
 * the chain is rewritten whole before it outgrows the base, and a cache node with a cold cache
 * reads every version back from the base and its deltas in the array.
 */
class CacheNodeDeltaTest {
    private static final int KEYS = 120;
    private static final String PADDING = "p".repeat(1500);

    private static CacheCluster cluster;
    private static KvServiceGrpc.KvServiceBlockingStub writer;
    private static TabletStoreClient store;

    @BeforeAll
    static void start() throws Exception {
        cluster = CacheCluster.start();
        writer = cluster.stub(cluster.startCache()).withInterceptors(CacheCluster.deadlinePerCall(CacheCluster.WAIT));
        store = cluster.storeClient();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void smallBatchesBecomeDeltas_theChainIsRewrittenWhole_andAColdNodeReadsEveryVersionBack() throws Exception {
        Map<String, String> expected = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            expected.put("delta-" + i, PADDING + i);
            put(writer, bytes("delta-" + i), PADDING + i);
        }
        int deltasSeen = 0;
        boolean rewrittenAfterDeltas = false;
        Map<Long, Integer> lastDeltaCount = new HashMap<>();
        for (int round = 0; round < 40; round++) {
            String key = "delta-" + (round % 3);
            String value = "round-" + round;
            put(writer, bytes(key), value);
            expected.put(key, value);
            for (TabletMeta tablet : ring()) {
                int deltas = tablet.getDeltasCount();
                deltasSeen = Math.max(deltasSeen, deltas);
                Integer before = lastDeltaCount.put(tablet.getTabletId(), deltas);
                rewrittenAfterDeltas |= before != null && before > 0 && deltas == 0;
            }
            if (round % 10 == 9) {
                // A new cache node has nothing cached: every tablet comes from the array.
                assertEveryKeyReadable(cluster.stub(cluster.startCache()), expected);
            }
        }
        assertTrue(deltasSeen >= 2, "one-key batches on a multi-stripe tablet are written as deltas: " + deltasSeen);
        assertTrue(rewrittenAfterDeltas, "a chain that reached the base's size was rewritten whole");
        assertEveryKeyReadable(writer, expected);
    }

    private static List<TabletMeta> ring() throws Exception {
        QueryResult result = store.query(
                Query.newBuilder().setRing(RingQuery.getDefaultInstance()).build());
        return result.getRing().getTabletsList();
    }

    private static void assertEveryKeyReadable(KvServiceGrpc.KvServiceBlockingStub kv, Map<String, String> expected) {
        KvServiceGrpc.KvServiceBlockingStub reader =
                kv.withInterceptors(CacheCluster.deadlinePerCall(CacheCluster.WAIT));
        for (Map.Entry<String, String> entry : expected.entrySet()) {
            GetResponse response = get(reader, bytes(entry.getKey()));
            assertTrue(response.getFound(), entry.getKey());
            assertEquals(entry.getValue(), response.getValue().toStringUtf8(), entry.getKey());
        }
    }
}
