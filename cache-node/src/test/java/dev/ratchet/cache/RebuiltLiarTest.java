package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheCluster.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.ratchet.client.proto.GetRequest;
import dev.ratchet.client.proto.KvServiceGrpc;
import dev.ratchet.client.proto.PutRequest;
import dev.ratchet.client.proto.RebuildSlotRequest;
import dev.ratchet.client.proto.StatusRequest;
import dev.ratchet.sector.server.SectorServer;
import dev.ratchet.sector.server.TestHooks;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.proto.SlotState;
import org.junit.jupiter.api.Test;

/**
 * A replacement server that lies is caught too (issue 13, items 4 and 6): once its rebuild is
 * complete and the slot LIVE, digest mismatches on stripes that are live count against it as
 * against any server, also on a cache node that adopted it rather than started with it.
 */
class RebuiltLiarTest {
    private static final int KEYS = 40;

    @Test
    void aRebuiltServerThatLies_isMarkedDead_byANodeThatAdoptedIt() throws Exception {
        try (CacheCluster cluster = CacheCluster.start()) {
            CacheNode writer = cluster.startCache();
            // Started before the replacement exists: it adopts the rebuilt server from the view.
            CacheNode reader = cluster.startCache();
            KvServiceGrpc.KvServiceBlockingStub viaWriter = cluster.stub(writer);
            KvServiceGrpc.KvServiceBlockingStub viaReader = cluster.stub(reader);
            String value = "x".repeat(2048);
            for (int i = 0; i < KEYS; i++) {
                put(viaWriter, "k" + i, value + i);
            }

            cluster.sectors.get(0).close();
            for (int i = 0;
                    CacheCluster.arrayView(cluster.storeClient()).getSlots(0).getState() != SlotState.SLOT_DEAD
                            && i < 200;
                    i++) {
                put(viaWriter, "while-dying-" + i, "d"); // writes strike the dead server out
            }
            CacheCluster.awaitUntil(
                    "both nodes see slot 0 DEAD",
                    () -> viaWriter
                                    .status(StatusRequest.getDefaultInstance())
                                    .getSlots(0)
                                    .getState()
                                    .equals("DEAD")
                            && viaReader
                                    .status(StatusRequest.getDefaultInstance())
                                    .getSlots(0)
                                    .getState()
                                    .equals("DEAD"));
            SectorServer replacement = cluster.startSector();
            TestHooks liar = cluster.hooks.get(cluster.hooks.size() - 1);
            viaWriter.rebuildSlot(RebuildSlotRequest.newBuilder()
                    .setSlotIndex(0)
                    .setNodeId(replacement.nodeId())
                    .setAddress(CacheCluster.HOST + ":" + replacement.port())
                    .build());
            CacheCluster.awaitUntil(
                    "the reader adopts the rebuilt server",
                    () -> !viaReader.status(StatusRequest.getDefaultInstance()).getDegraded());

            for (long sector = 0; sector < CacheCluster.STRIPES; sector++) {
                liar.flipBits(sector, 0, 1);
            }
            for (int i = 0; i < KEYS; i++) {
                assertEquals(bytes(value + i), get(viaReader, "k" + i), "k" + i);
            }
            TabletStoreClient store = cluster.storeClient();
            CacheCluster.awaitUntil(
                    "the lying replacement's slot is dead",
                    () -> CacheCluster.arrayView(store).getSlots(0).getState() == SlotState.SLOT_DEAD);
            for (int i = 0; i < KEYS; i += 7) {
                assertEquals(bytes(value + i), get(viaReader, "k" + i), "k" + i);
            }
        }
    }

    private static void put(KvServiceGrpc.KvServiceBlockingStub kv, String key, String value) {
        kv.put(PutRequest.newBuilder()
                .setKey(bytes(key))
                .setValue(bytes(value))
                .setRequestId(requestId())
                .build());
    }

    private static ByteString get(KvServiceGrpc.KvServiceBlockingStub kv, String key) {
        return kv.get(GetRequest.newBuilder().setKey(bytes(key)).build()).getValue();
    }
}
