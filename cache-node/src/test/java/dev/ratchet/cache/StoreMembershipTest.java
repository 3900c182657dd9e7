package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheCluster.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ratchet.client.proto.GetRequest;
import dev.ratchet.client.proto.KvServiceGrpc;
import dev.ratchet.client.proto.PutRequest;
import dev.ratchet.client.proto.StatusRequest;
import dev.ratchet.tablet.TabletStoreNode;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A cache node follows the tablet store's membership (found by the chaos run kill-follower,
 * kill-leader with seed 5): two of the three members it was started with are replaced by fresh
 * nodes, one at a time, and it must go on serving, and report the new members in its Status.
 */
class StoreMembershipTest {
    @Test
    void aCacheNode_servesOnAfterAMajorityOfItsOriginalTabletStoresWereReplaced() throws Exception {
        try (CacheCluster cluster = CacheCluster.start()) {
            CacheNode node = cluster.startCache();
            KvServiceGrpc.KvServiceBlockingStub kv = cluster.stub(node);
            put(kv, "before", "1");

            for (int i = 0; i < 2; i++) {
                TabletStoreNode dead = cluster.stores.get(i);
                TabletStoreNode fresh = cluster.startStore();
                cluster.stores.add(fresh);
                dead.close();
                cluster.admin.replace(dead.nodeId(), fresh.peer());
            }
            Set<String> members = cluster.admin.members().stream()
                    .map(peer -> peer.getId().toString())
                    .collect(Collectors.toSet());
            // The one original member left must not lead: the node has to find the fresh ones.
            TabletStoreNode freshLeader = cluster.stores.get(cluster.stores.size() - 1);
            cluster.admin.transferLeadership(freshLeader.nodeId(), Duration.ofSeconds(30));

            CacheCluster.awaitUntil("the cache node serves through the new members", () -> {
                try {
                    put(kv, "after", "2");
                    return true;
                } catch (StatusRuntimeException e) {
                    return false;
                }
            });
            assertEquals(
                    "1",
                    kv.get(GetRequest.newBuilder().setKey(bytes("before")).build())
                            .getValue()
                            .toStringUtf8());
            CacheCluster.awaitUntil(
                    "its Status lists the new members",
                    () -> members.equals(kv.status(StatusRequest.getDefaultInstance()).getRaftMembersList().stream()
                            .map(member -> member.getNodeId())
                            .collect(Collectors.toSet())));
        }
    }

    private static void put(KvServiceGrpc.KvServiceBlockingStub kv, String key, String value) {
        kv.withDeadlineAfter(10, TimeUnit.SECONDS)
                .put(PutRequest.newBuilder()
                        .setKey(bytes(key))
                        .setValue(bytes(value))
                        .setRequestId(requestId())
                        .build());
    }
}
