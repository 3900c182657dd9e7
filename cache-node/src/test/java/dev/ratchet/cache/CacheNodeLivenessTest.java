package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.awaitUntil;
import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheCluster.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ratchet.client.proto.GetRequest;
import dev.ratchet.client.proto.PutRequest;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.proto.ArrayQuery;
import dev.ratchet.tablet.proto.AuthorizedWriterSet;
import dev.ratchet.tablet.proto.AuthorizedWritersQuery;
import dev.ratchet.tablet.proto.ClusterQuery;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.DeregisterCacheNode;
import dev.ratchet.tablet.proto.DeregisterCacheNodeResult;
import dev.ratchet.tablet.proto.Query;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cache-node liveness over the real stack: a crashed cache node is expired by a peer and leaves
 * the writer set (its stripes are trimmed), and a node the store no longer knows stops serving.
 */
class CacheNodeLivenessTest {
    private static final Duration SHORT_EXPIRY = Duration.ofSeconds(3);

    private static CacheCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = CacheCluster.start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void crashedCacheNode_isExpiredByAPeer_leavesTheWriterSet_andItsStripesAreTrimmed() throws Exception {
        CacheNode survivor = cluster.startCache(b -> b.peerExpiry(SHORT_EXPIRY));
        CacheNode victim = cluster.startCache(b -> b.peerExpiry(SHORT_EXPIRY));
        for (int i = 0; i < 20; i++) {
            put(i % 2 == 0 ? survivor : victim, "live-" + i, "v" + i);
        }
        TabletStoreClient store = cluster.storeClient();
        assertTrue(writers(store).getWriterNodeIdsList().contains(victim.nodeId()));
        long versionBefore = writers(store).getVersion();

        victim.crashForTest();

        awaitUntil("the crashed node is expired", () -> !registered(store).contains(victim.nodeId()));
        AuthorizedWriterSet after = writers(store);
        assertFalse(after.getWriterNodeIdsList().contains(victim.nodeId()));
        assertTrue(after.getVersion() > versionBefore);
        assertTrue(registered(store).contains(survivor.nodeId()));
        // The survivor trims what the victim held (after installing the smaller set everywhere).
        awaitUntil("nothing left pending trim", () -> pendingTrim(store) == 0);
        for (int i = 0; i < 20; i++) {
            String key = "live-" + i;
            assertEquals(
                    bytes("v" + i),
                    cluster.stub(survivor)
                            .get(GetRequest.newBuilder().setKey(bytes(key)).build())
                            .getValue(),
                    key);
        }
        put(survivor, "after-expiry", "fresh");
        assertFalse(survivor.removed());
        survivor.close();
    }

    @Test
    void nodeTheStoreNoLongerKnows_stopsServing_andTellsItsOwner() throws Exception {
        CountDownLatch told = new CountDownLatch(1);
        CacheNode node = cluster.startCache(b -> b.onRemoved(told::countDown));
        put(node, "before-removal", "v");
        TabletStoreClient operator = cluster.storeClient();
        DeregisterCacheNodeResult removal = operator.submit(Command.newBuilder()
                        .setRequestId(requestId())
                        .setDeregisterCacheNode(DeregisterCacheNode.newBuilder().setNodeId(node.nodeId()))
                        .build())
                .getDeregisterCacheNode();
        assertEquals(DeregisterCacheNodeResult.Status.OK, removal.getStatus());

        node.heartbeatRoundNow();

        assertTrue(node.removed());
        assertEquals(0, told.getCount());
        StatusRuntimeException refused =
                assertThrows(StatusRuntimeException.class, () -> put(node, "after-removal", "v"));
        assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
        assertTrue(
                refused.getStatus().getDescription().startsWith("NOT_SERVING"),
                refused.getStatus().toString());
        assertTrue(
                refused.getStatus().getDescription().contains("no longer registered"),
                refused.getStatus().toString());
        node.close();
    }

    @Test
    void withEveryWorkerBlocked_heartbeatsStillLand() throws Exception {
        CacheNode node = cluster.startCache();
        TabletStoreClient store = cluster.storeClient();
        CountDownLatch release = new CountDownLatch(1);
        try {
            node.occupyWorkersForTest(release);
            long before = heartbeats(store, node.nodeId());
            // Heartbeats are due every 2 s; two more land within 15 s only if they do not need a worker.
            dev.ratchet.raft.Await.until(
                    Duration.ofSeconds(15),
                    "two more heartbeats while every worker is blocked",
                    () -> heartbeats(store, node.nodeId()) >= before + 2);
        } finally {
            release.countDown();
        }
        put(node, "after-blocked-workers", "v");
        node.close();
    }

    private static long heartbeats(TabletStoreClient store, String nodeId) {
        return cacheNodes(store).stream()
                .filter(n -> n.getNodeId().equals(nodeId))
                .mapToLong(dev.ratchet.tablet.proto.CacheNode::getHeartbeats)
                .findFirst()
                .orElseThrow();
    }

    private static void put(CacheNode node, String key, String value) {
        cluster.stub(node)
                .put(PutRequest.newBuilder()
                        .setKey(bytes(key))
                        .setValue(bytes(value))
                        .setRequestId(requestId())
                        .build());
    }

    private static List<String> registered(TabletStoreClient store) {
        return cacheNodes(store).stream()
                .map(dev.ratchet.tablet.proto.CacheNode::getNodeId)
                .toList();
    }

    private static List<dev.ratchet.tablet.proto.CacheNode> cacheNodes(TabletStoreClient store) {
        try {
            return store.query(Query.newBuilder()
                            .setCluster(ClusterQuery.getDefaultInstance())
                            .build())
                    .getCluster()
                    .getCacheNodesList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int pendingTrim(TabletStoreClient store) {
        try {
            return store.query(Query.newBuilder()
                            .setArray(ArrayQuery.getDefaultInstance())
                            .build())
                    .getArray()
                    .getPendingTrimStripesCount();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static AuthorizedWriterSet writers(TabletStoreClient store) throws IOException {
        try {
            return AuthorizedWriterSet.parseFrom(store.query(Query.newBuilder()
                            .setAuthorizedWriters(AuthorizedWritersQuery.getDefaultInstance())
                            .build())
                    .getAuthorizedWriters()
                    .getWriterSet());
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(e);
        }
    }
}
