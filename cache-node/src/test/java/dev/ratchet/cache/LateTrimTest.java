package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.awaitUntil;
import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheCluster.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.client.proto.GetRequest;
import dev.ratchet.client.proto.PutRequest;
import dev.ratchet.sector.array.ArrayHealth;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.DeregisterCacheNode;
import dev.ratchet.tablet.proto.DeregisterCacheNodeResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A trimmer that is late (held between choosing its stripes and zeroing them) never zeroes a
 * stripe that another writer was handed meanwhile (issue 13, item 1).
 *
 * <p>The setup makes the race certain rather than likely: cache node A's trim round is held by
 * a test hook right before it zeroes its batch; node B then trims everything it can; a new node C
 * reserves the lowest free stripes (the allocator's rule) and commits tablets into them; only
 * then does A zero its batch. Every value C acknowledged must read back, through a node that has
 * nothing cached, with no shard found false.
 */
class LateTrimTest {
    private static final int KEYS = 40;
    private static final long HOLD_SECONDS = 60;

    private CacheCluster cluster;
    private CacheNode lateNode;
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch zeroed = new CountDownLatch(1);
    private final AtomicReference<List<Long>> heldBatch = new AtomicReference<>();
    private final AtomicReference<RuntimeException> zeroFailure = new AtomicReference<>();

    @BeforeEach
    void start() throws IOException {
        cluster = CacheCluster.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Holds the first non-empty zeroing until {@link #release}, then zeroes and records the outcome. */
    private void holdFirst(List<Long> stripes, Runnable zero) {
        if (!heldBatch.compareAndSet(null, stripes)) {
            zero.run();
            return;
        }
        held.countDown();
        try {
            if (!release.await(HOLD_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the held trim");
            }
            zero.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            zeroFailure.set(e);
            throw e;
        } finally {
            zeroed.countDown();
        }
    }

    @Test
    void lateTrim_ofStripesAnotherNodeTrimmedAndReused_losesNoAcknowledgedWrite() throws Exception {
        List<Long> batch = holdALateTrim();

        CacheNode prompt = cluster.startCache();
        prompt.trimAllNow();
        CacheNode writer = cluster.startCache();
        List<String> acknowledged = writeKeys(writer, "k");

        release.countDown();
        assertTrue(zeroed.await(CacheCluster.WAIT.toSeconds(), TimeUnit.SECONDS), "the late zeroing ran");

        CacheNode fresh = cluster.startCache();
        assertEveryValueReadsBack(fresh, acknowledged);
        assertNoShardFalse(fresh);
        assertEveryValueReadsBack(prompt, acknowledged);
        // Whatever the late node held is trimmed in the end, by it or by a peer.
        TabletStoreClient store = cluster.storeClient();
        awaitUntil(
                "the held batch is no longer pending trim",
                () -> CacheCluster.arrayView(store).getPendingTrimStripesList().stream()
                        .noneMatch(batch::contains));
    }

    @Test
    void trimmerRemovedWhileHeld_isFencedOffByTheWriterSet_andLosesNothing() throws Exception {
        List<Long> batch = holdALateTrim();

        // The held node is removed (as a peer's expiry would); its claim on the batch goes back,
        // and a peer trims the batch after installing the writer set without it everywhere.
        TabletStoreClient operator = cluster.storeClient();
        DeregisterCacheNodeResult removal = operator.submit(Command.newBuilder()
                        .setRequestId(requestId())
                        .setDeregisterCacheNode(DeregisterCacheNode.newBuilder().setNodeId(lateNode.nodeId()))
                        .build())
                .getDeregisterCacheNode();
        assertEquals(DeregisterCacheNodeResult.Status.OK, removal.getStatus());
        CacheNode prompt = cluster.startCache();
        awaitUntil("a peer trimmed the held batch", () -> {
            prompt.trimAllNow();
            return CacheCluster.arrayView(operator).getPendingTrimStripesList().stream()
                    .noneMatch(batch::contains);
        });
        CacheNode writer = cluster.startCache();
        List<String> acknowledged = writeKeys(writer, "f");

        release.countDown();
        assertTrue(zeroed.await(CacheCluster.WAIT.toSeconds(), TimeUnit.SECONDS), "the late zeroing ran");
        RuntimeException refused = zeroFailure.get();
        assertTrue(refused != null, "the removed node's late trim was refused by the sector servers");

        CacheNode fresh = cluster.startCache();
        assertEveryValueReadsBack(fresh, acknowledged);
        assertNoShardFalse(fresh);
    }

    /**
     * Starts the late node, whose first trim is held, and gives it a batch: a node that writes
     * once and leaves sends its unused reservation to pending trim, which the late node (the only
     * one running) claims and is then held on. Returns the held batch.
     */
    private List<Long> holdALateTrim() throws Exception {
        lateNode = cluster.startCache(b -> b.trimZeroingForTest(this::holdFirst));
        CacheNode leaving = cluster.startCache();
        put(leaving, "seed", "seed");
        leaving.close();
        assertTrue(held.await(CacheCluster.WAIT.toSeconds(), TimeUnit.SECONDS), "the late node chose a batch");
        return heldBatch.get();
    }

    private List<String> writeKeys(CacheNode node, String prefix) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            String key = prefix + "-" + i;
            put(node, key, "value-" + key);
            keys.add(key);
        }
        return keys;
    }

    private void assertEveryValueReadsBack(CacheNode node, List<String> keys) {
        for (String key : keys) {
            assertEquals(
                    bytes("value-" + key),
                    cluster.stub(node)
                            .get(GetRequest.newBuilder().setKey(bytes(key)).build())
                            .getValue(),
                    key);
        }
    }

    private static void assertNoShardFalse(CacheNode node) {
        for (ArrayHealth.SlotHealth slot : node.arrayHealth().slots()) {
            assertEquals(0, slot.lieCount(), "false shards from slot " + slot.slot());
        }
    }

    private void put(CacheNode node, String key, String value) {
        cluster.stub(node)
                .put(PutRequest.newBuilder()
                        .setKey(bytes(key))
                        .setValue(bytes(value))
                        .setRequestId(requestId())
                        .build());
    }
}
