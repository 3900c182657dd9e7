package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheCluster.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.ratchet.client.proto.GetRequest;
import dev.ratchet.client.proto.KvServiceGrpc;
import dev.ratchet.client.proto.PutRequest;
import dev.ratchet.client.proto.TabletRange;
import dev.ratchet.client.proto.TopologyRequest;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A write to a range that a peer merged into a tablet this node committed to before the merge
 * is answered, not routed in a circle: the node's remembered version of that tablet still has
 * the old, smaller range, and a fresh ring sends the write back to the same tablet.
 *
 * <p>Deterministic: node A's split threshold (1 KiB, so merges only below 256 bytes) keeps it from
 * merging the tablet it writes 300 bytes into; node B, with the default thresholds, merges that
 * tablet with its right neighbour after its own write.
 */
class PeerMergeRoutingTest {
    @Test
    void aWriteIntoARangeAPeerMergedIn_isAnswered() throws Exception {
        try (CacheCluster cluster = CacheCluster.start()) {
            CacheNode a = cluster.startCache(b -> b.splitPlaintextBytes(1024));
            CacheNode b = cluster.startCache();
            KvServiceGrpc.KvServiceBlockingStub viaA = cluster.stub(a);
            KvServiceGrpc.KvServiceBlockingStub viaB = cluster.stub(b);
            List<TabletRange> tablets = tablets(viaA);
            TabletRange left = tablets.get(1);
            TabletRange right = tablets.get(2);

            // A commits to the left tablet and remembers it with its range; too big for A to merge.
            put(viaA, keyIn(left, "a-left"), ByteString.copyFrom(new byte[300]));
            assertEquals(4, tablets(viaA).size(), "A merged nothing");
            // B writes a little to it and merges it with its right neighbour.
            put(viaB, keyIn(left, "b-left"), bytes("small"));
            CacheCluster.awaitUntil(
                    "B merged the right neighbour in", () -> tablets(viaA).size() == 3);

            // Into the range the merge added, through A: routed to the left tablet, whose range A
            // remembers from before the merge.
            ByteString moved = keyIn(right, "a-right");
            viaA.withDeadlineAfter(20, TimeUnit.SECONDS)
                    .put(PutRequest.newBuilder()
                            .setKey(moved)
                            .setValue(bytes("answered"))
                            .setRequestId(requestId())
                            .build());
            assertEquals(
                    bytes("answered"),
                    viaB.get(GetRequest.newBuilder().setKey(moved).build()).getValue());
        }
    }

    private static List<TabletRange> tablets(KvServiceGrpc.KvServiceBlockingStub kv) {
        return kv.topology(TopologyRequest.getDefaultInstance()).getTabletsList().stream()
                .sorted(Comparator.comparing(TabletRange::getRangeFirst, Long::compareUnsigned))
                .toList();
    }

    private static ByteString keyIn(TabletRange tablet, String prefix) {
        for (int i = 0; ; i++) {
            ByteString key = bytes(prefix + "-" + i);
            if (RingPosition.within(RingPosition.position(key), tablet.getRangeFirst(), tablet.getRangeLast())) {
                return key;
            }
        }
    }

    private static void put(KvServiceGrpc.KvServiceBlockingStub kv, ByteString key, ByteString value) {
        kv.put(PutRequest.newBuilder()
                .setKey(key)
                .setValue(value)
                .setRequestId(requestId())
                .build());
    }
}
