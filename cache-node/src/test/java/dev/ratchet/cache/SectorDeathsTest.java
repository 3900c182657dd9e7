package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.awaitUntil;
import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheCluster.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.client.RatchetClient;
import dev.ratchet.client.proto.GetRequest;
import dev.ratchet.client.proto.PutRequest;
import dev.ratchet.sector.server.TestHooks;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.Slot;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deaths are decided with care (issue 13, items 2 and 6): a stall of every sector server, or one
 * cache node cut off from all of them, never kills more slots than the array can spare, and never
 * kills a server that other cache nodes reach; a server that lies about many stripes dies on one
 * node's report.
 *
 * <p>The faults come from the sector servers' test hooks: {@link TestHooks#pauseCalls} holds
 * every call as a stopped process would, {@link TestHooks#dropCallsFrom} leaves one cache node's
 * calls unanswered as a partition would, {@link TestHooks#flipBits} corrupts its RAM. Waits are bounded awaits on what the cache nodes
 * observed, never sleeps.
 */
class SectorDeathsTest {
    private CacheCluster cluster;

    @BeforeEach
    void start() throws IOException {
        cluster = CacheCluster.start();
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.hooks.forEach(TestHooks::resumeCalls);
            cluster.close();
        }
    }

    @Test
    void everySectorServerPausedPastTheCallTimeout_underWrites_killsAtMostM_andLosesNothing() throws Exception {
        CacheNode a = cluster.startCache();
        CacheNode b = cluster.startCache();
        TabletStoreClient store = cluster.storeClient();
        try (RatchetClient client = cluster.sdk(a, b).build();
                ClientWorkload workload = new ClientWorkload(client, List.of("c0", "c1"), 6)) {
            workload.createCounters();
            workload.startPutters("p", 3);
            workload.startIncrementers(3);
            awaitUntil("the workload runs", () -> workload.successes() >= 30);

            cluster.hooks.forEach(TestHooks::pauseCalls);
            // The stall lasts until both nodes have timed out enough calls to act on them: they
            // stop serving, suspecting their own links (or, on code that kills too eagerly, more
            // than m slots are dead).
            awaitUntil(
                    "both cache nodes suspect their own links",
                    () -> deadSlots(CacheCluster.arrayView(store)) > CacheCluster.M
                            || (suspectsItsLinks(a) && suspectsItsLinks(b)));
            cluster.hooks.forEach(TestHooks::resumeCalls);

            int before = workload.successes();
            awaitUntil("the cluster serves again", () -> workload.successes() >= before + 30);
            workload.stop();

            ArrayView after = CacheCluster.arrayView(store);
            assertTrue(
                    deadSlots(after) <= CacheCluster.M,
                    "a stall of every server killed " + deadSlots(after) + " slots: " + after.getSlotsList());
            workload.checkNothingLostOrDoubled();
        }
    }

    @Test
    void aCacheNodeCutOffFromEverySectorServer_stopsServing_othersGoOn_andNoSlotDies() throws Exception {
        CacheNode isolated = cluster.startCache();
        CacheNode healthy = cluster.startCache();
        TabletStoreClient store = cluster.storeClient();
        put(isolated, "before", "v");

        cluster.hooks.forEach(hooks -> hooks.dropCallsFrom(isolated.nodeId()));
        // Writes on the cut-off node fail until it stops serving, suspecting its links (or, on
        // code that believes its own failures, until it has killed slots to write around them).
        awaitUntil(
                "the cut-off node suspects its own links",
                () -> CacheCluster.arrayView(store).getDeathRecordVersion() > 0 || suspectsItsLinks(isolated));
        assertEquals(
                0,
                CacheCluster.arrayView(store).getDeathRecordVersion(),
                "no slot died: " + CacheCluster.arrayView(store).getSlotsList());
        StatusRuntimeException refused =
                assertThrows(StatusRuntimeException.class, () -> put(isolated, "while-cut-off", "v"));
        assertEquals(
                Status.Code.UNAVAILABLE,
                refused.getStatus().getCode(),
                refused.getStatus().toString());
        String reason = refused.getStatus().getDescription();
        assertTrue(reason.startsWith("NOT_SERVING") && reason.contains("suspects its own links"), reason);

        for (int i = 0; i < 20; i++) {
            put(healthy, "healthy-" + i, "v" + i);
        }
        for (int i = 0; i < 20; i++) {
            assertEquals(bytes("v" + i), get(healthy, "healthy-" + i));
        }
        assertEquals(bytes("v"), get(healthy, "before"));
        assertEquals(
                0,
                CacheCluster.arrayView(store).getDeathRecordVersion(),
                "no slot died: " + CacheCluster.arrayView(store).getSlotsList());

        // Once its links heal, the node finds its servers again and serves.
        cluster.hooks.forEach(hooks -> hooks.answerCallsFrom(isolated.nodeId()));
        awaitUntil("the healed node serves again", () -> {
            try {
                put(isolated, "healed", "v");
                return true;
            } catch (StatusRuntimeException e) {
                return false;
            }
        });
        assertEquals(bytes("v1"), get(isolated, "healthy-1"));
        assertEquals(0, CacheCluster.arrayView(store).getDeathRecordVersion());
    }

    @Test
    void aServerThatLiesAboutManyStripes_isMarkedDeadOnOneReport_andReadsStayRight() throws Exception {
        CacheNode writer = cluster.startCache();
        CacheNode other = cluster.startCache();
        // About 80 KiB over 4 tablets: each tablet's blob spans more than one stripe.
        String value = "x".repeat(2048);
        for (int i = 0; i < 40; i++) {
            put(writer, "lie-" + i, value + i);
        }
        TabletStoreClient store = cluster.storeClient();
        // Slot 0 holds the first shard of every blob, so every read asks it.
        TestHooks liar = cluster.hooks.get(0);
        for (long sector = 0; sector < CacheCluster.STRIPES; sector++) {
            liar.flipBits(sector, 0, 1);
        }

        // A fresh node has no tablet in its cache: it reads every tablet from the array.
        CacheNode reader = cluster.startCache();
        for (int i = 0; i < 40; i++) {
            assertEquals(bytes(value + i), get(reader, "lie-" + i), "lie-" + i);
        }
        // Three cache nodes are registered, so an unreachable report would only be a suspicion:
        // the death comes from the lie report alone.
        awaitUntil(
                "the lying server's slot is dead",
                () -> CacheCluster.arrayView(store).getSlots(0).getState()
                        == dev.ratchet.tablet.proto.SlotState.SLOT_DEAD);
        ArrayView after = CacheCluster.arrayView(store);
        assertEquals(1, deadSlots(after), after.getSlotsList().toString());
        assertEquals(1, after.getDeathRecordVersion());
        for (CacheNode node : List.of(writer, other, reader)) {
            for (int i = 0; i < 40; i += 7) {
                assertEquals(bytes(value + i), get(node, "lie-" + i), "lie-" + i);
            }
        }
        put(writer, "after-the-liar", "v");
        assertEquals(bytes("v"), get(reader, "after-the-liar"));
    }

    /**
     * Returns whether {@code node} refuses a put saying it suspects its own links; a put that
     * times out (the node still trying its servers) is not that.
     */
    private boolean suspectsItsLinks(CacheNode node) {
        try {
            cluster.stub(node)
                    .withDeadlineAfter(3, TimeUnit.SECONDS)
                    .put(PutRequest.newBuilder()
                            .setKey(bytes("probe-" + node.nodeId()))
                            .setValue(bytes("v"))
                            .setRequestId(requestId())
                            .build());
            return false;
        } catch (StatusRuntimeException e) {
            String reason = e.getStatus().getDescription();
            return reason != null && reason.contains("suspects its own links");
        }
    }

    private static long deadSlots(ArrayView view) {
        return view.getSlotsList().stream()
                .filter(slot -> slot.getState() == dev.ratchet.tablet.proto.SlotState.SLOT_DEAD)
                .map(Slot::getSlotIndex)
                .count();
    }

    private void put(CacheNode node, String key, String value) {
        cluster.stub(node)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .put(PutRequest.newBuilder()
                        .setKey(bytes(key))
                        .setValue(bytes(value))
                        .setRequestId(requestId())
                        .build());
    }

    private com.google.protobuf.ByteString get(CacheNode node, String key) {
        return cluster.stub(node)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .get(GetRequest.newBuilder().setKey(bytes(key)).build())
                .getValue();
    }
}
