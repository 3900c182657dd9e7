package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheNodeKvTest.get;
import static dev.ratchet.cache.CacheNodeKvTest.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.client.proto.KvServiceGrpc;
import dev.ratchet.client.proto.RebuildSlotRequest;
import dev.ratchet.client.proto.RebuildStatus;
import dev.ratchet.client.proto.SlotStatus;
import dev.ratchet.client.proto.StatusRequest;
import dev.ratchet.client.proto.StatusResponse;
import dev.ratchet.sector.server.SectorServer;
import dev.ratchet.sector.server.TestHooks;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The data path over a failing array: rolled-back servers are decoded around; dead ones are marked and rebuilt. */
class CacheNodeArrayTest {
    private static final int KEYS = 8;

    @Test
    void rolledBackSectorServers_neverServeOldValues() throws Exception {
        try (CacheCluster cluster = CacheCluster.start()) {
            CacheNode writer = cluster.startCache();
            KvServiceGrpc.KvServiceBlockingStub kv = cluster.stub(writer).withDeadlineAfter(60, TimeUnit.SECONDS);
            for (int i = 0; i < KEYS; i++) {
                put(kv, bytes("key-" + i), "old-" + i);
            }
            TestHooks.Snapshot slot0 = cluster.hooks.get(0).snapshot();
            TestHooks.Snapshot slot4 = cluster.hooks.get(4).snapshot();
            for (int i = 0; i < KEYS; i++) {
                put(kv, bytes("key-" + i), "new-" + i);
            }
            writer.trimAllNow();
            // A host puts two servers (m of them) back to their old RAM: stale and trimmed shards.
            cluster.hooks.get(0).restore(slot0);
            cluster.hooks.get(4).restore(slot4);

            // A fresh node has no decrypted tablets cached, so every read goes to the array.
            CacheNode reader = cluster.startCache();
            KvServiceGrpc.KvServiceBlockingStub fresh = cluster.stub(reader).withDeadlineAfter(60, TimeUnit.SECONDS);
            for (int i = 0; i < KEYS; i++) {
                assertEquals(bytes("new-" + i), get(fresh, bytes("key-" + i)).getValue(), "key-" + i);
            }
        }
    }

    @Test
    void deadSectorServer_isMarkedDead_thenRebuiltOntoAFreshServer() throws Exception {
        try (CacheCluster cluster = CacheCluster.start()) {
            CacheNode node = cluster.startCache();
            CacheNode other = cluster.startCache();
            KvServiceGrpc.KvServiceBlockingStub kv = cluster.stub(node).withDeadlineAfter(60, TimeUnit.SECONDS);
            KvServiceGrpc.KvServiceBlockingStub kvOther = cluster.stub(other);
            for (int i = 0; i < KEYS; i++) {
                put(kv, bytes("key-" + i), "before-" + i);
            }
            cluster.sectors.get(1).close();
            // A slot that is not DEAD cannot be rebuilt.
            CacheNodeKvTest.assertError(
                    org.junit.jupiter.api.Assertions.assertThrows(
                            io.grpc.StatusRuntimeException.class,
                            () -> kv.rebuildSlot(RebuildSlotRequest.newBuilder()
                                    .setSlotIndex(3)
                                    .setNodeId("ab".repeat(32))
                                    .setAddress("127.0.0.1:1")
                                    .build())),
                    io.grpc.Status.Code.FAILED_PRECONDITION,
                    "REBUILD_REFUSED");

            // Writes and reads go on; the dead server is reported and the array runs degraded.
            for (int i = 0; i < KEYS; i++) {
                put(kv, bytes("key-" + (KEYS + i)), "during-" + i);
            }
            for (int i = 0; i < KEYS; i++) {
                assertEquals(bytes("before-" + i), get(kv, bytes("key-" + i)).getValue());
                assertEquals(
                        bytes("during-" + i),
                        get(kv, bytes("key-" + (KEYS + i))).getValue());
            }
            CacheCluster.awaitUntil("slot 1 DEAD in Status", () -> {
                StatusResponse status = kv.status(StatusRequest.getDefaultInstance());
                return status.getDegraded() && status.getSlots(1).getState().equals("DEAD");
            });

            SectorServer replacement = cluster.startSector();
            // Through the admin RPC (role client), as the operator tool does; CacheNode.rebuild is the same.
            RebuildStatus done = kv.withDeadlineAfter(120, TimeUnit.SECONDS)
                    .rebuildSlot(RebuildSlotRequest.newBuilder()
                            .setSlotIndex(1)
                            .setNodeId(replacement.nodeId())
                            .setAddress(CacheCluster.HOST + ":" + replacement.port())
                            .build())
                    .getRebuild();
            assertEquals(done.getStripesTotal(), done.getStripesDone());
            assertTrue(done.getStripesTotal() > 0);

            StatusResponse status = kv.status(StatusRequest.getDefaultInstance());
            assertFalse(status.getDegraded(), status.toString());
            for (SlotStatus slot : status.getSlotsList()) {
                assertEquals("LIVE", slot.getState());
            }
            assertEquals(replacement.nodeId(), status.getSlots(1).getNodeId());
            // The other node follows: it applied the death, then adopts the new server.
            CacheCluster.awaitUntil(
                    "the other node adopts the rebuilt slot",
                    () -> !kvOther.withDeadlineAfter(30, TimeUnit.SECONDS)
                            .status(StatusRequest.getDefaultInstance())
                            .getDegraded());
            put(kvOther, bytes("key-after"), "after");

            // With two other servers gone, reads need the rebuilt slot's shards.
            cluster.sectors.get(0).close();
            cluster.sectors.get(2).close();
            CacheNode reader = cluster.startCache();
            KvServiceGrpc.KvServiceBlockingStub fresh = cluster.stub(reader).withDeadlineAfter(60, TimeUnit.SECONDS);
            for (int i = 0; i < KEYS; i++) {
                assertEquals(bytes("before-" + i), get(fresh, bytes("key-" + i)).getValue());
                assertEquals(
                        bytes("during-" + i),
                        get(fresh, bytes("key-" + (KEYS + i))).getValue());
            }
        }
    }
}
