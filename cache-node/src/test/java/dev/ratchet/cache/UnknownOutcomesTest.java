package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.awaitUntil;
import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheCluster.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.client.proto.GetRequest;
import dev.ratchet.client.proto.PutRequest;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.proto.Reservation;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Reservations survive unknown outcomes and elections (issue 13, item 5): the stripes of a commit
 * whose answer never came are held until the store's state shows whether the commit took them,
 * and those it did not take go back to the pool, so a node never creeps towards
 * RESERVATION_LIMIT.
 *
 * <p>The unknown outcomes come from test hooks, so that both kinds happen deterministically: a
 * commit lost before the store logged it ({@link CacheNode#loseCommandsForTest}: it did not take
 * its stripes) and a commit whose answer was dropped after it applied ({@link
 * CacheNode#dropCommandAnswersForTest}: it did). Real leader elections (an operator's transfer)
 * run in between.
 */
class UnknownOutcomesTest {
    private static final int KEYS = 12;
    private static final int ELECTIONS = 20;

    private CacheCluster cluster;

    @Test
    void stripesOfCommitsWithUnknownOutcomes_comeBack_acrossTwentyElections() throws Exception {
        try (CacheCluster started = CacheCluster.start()) {
            cluster = started;
            electionsWithUnknownOutcomes();
        }
    }

    private void electionsWithUnknownOutcomes() throws IOException {
        CacheNode node = cluster.startCache();
        TabletStoreClient store = cluster.storeClient();
        AtomicInteger commits = new AtomicInteger();
        AtomicInteger lost = new AtomicInteger();
        // Of every three commits: one lost, one applied with its answer dropped, one answered.
        node.loseCommandsForTest(command -> {
            if (!command.hasCommitTablets()) {
                return false;
            }
            boolean lose = commits.incrementAndGet() % 3 == 0;
            if (lose) {
                lost.incrementAndGet();
            }
            return lose;
        });
        node.dropCommandAnswersForTest(command -> command.hasCommitTablets() && commits.get() % 3 == 1);
        Map<String, String> latest = new HashMap<>();
        for (int election = 0; election < ELECTIONS; election++) {
            for (int i = 0; i < 3; i++) {
                String key = "key-" + ((election * 3 + i) % KEYS);
                String value = "v" + election + "-" + i;
                putAcknowledged(node, key, value);
                latest.put(key, value);
            }
            // Each round names the store node after the one named last, which leads since that
            // transfer returned: every round is a real election.
            String next = cluster.stores.get(election % cluster.stores.size()).nodeId();
            cluster.admin.transferLeadership(next, Duration.ofSeconds(30));
        }
        assertTrue(lost.get() >= 10, "commits lost: " + lost.get());
        node.loseCommandsForTest(command -> false);
        node.dropCommandAnswersForTest(command -> false);

        // One more commit to each key's tablet moves it past every unsettled commit.
        for (int i = 0; i < KEYS; i++) {
            putAcknowledged(node, "key-" + i, "final-" + i);
            latest.put("key-" + i, "final-" + i);
        }
        awaitUntil("every unknown outcome is settled", () -> node.unsettledStripes() == 0);
        int reserved = reservedBy(store, node.nodeId());
        assertEquals(
                node.freeStripes(),
                reserved,
                "every stripe the store lists as reserved by the node is in its pool, none leaked");
        for (Map.Entry<String, String> entry : latest.entrySet()) {
            assertEquals(bytes(entry.getValue()), get(node, entry.getKey()), entry.getKey());
        }
        assertNotEquals(0, reserved, "the node still holds a pool to write with");
    }

    /** Puts until acknowledged, retrying with the same request id while the outcome is unknown. */
    private void putAcknowledged(CacheNode node, String key, String value) {
        ByteString requestId = requestId();
        for (int attempt = 1; ; attempt++) {
            try {
                cluster.stub(node)
                        .withDeadlineAfter(60, TimeUnit.SECONDS)
                        .put(PutRequest.newBuilder()
                                .setKey(bytes(key))
                                .setValue(bytes(value))
                                .setRequestId(requestId)
                                .build());
                return;
            } catch (StatusRuntimeException e) {
                String reason = String.valueOf(e.getStatus().getDescription());
                boolean retryable = reason.startsWith("OUTCOME_UNKNOWN") || reason.startsWith("NOT_SERVING");
                if (!retryable || attempt >= 20) {
                    throw e;
                }
            }
        }
    }

    private ByteString get(CacheNode node, String key) {
        return cluster.stub(node)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .get(GetRequest.newBuilder().setKey(bytes(key)).build())
                .getValue();
    }

    private static int reservedBy(TabletStoreClient store, String nodeId) {
        return CacheCluster.arrayView(store).getReservationsList().stream()
                .filter(reservation -> reservation.getCacheNodeId().equals(nodeId))
                .mapToInt(Reservation::getStripesCount)
                .sum();
    }
}
