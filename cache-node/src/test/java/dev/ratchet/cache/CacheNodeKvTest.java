package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheCluster.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import dev.ratchet.attestation.Role;
import dev.ratchet.client.proto.CompareAndSetRequest;
import dev.ratchet.client.proto.CompareAndSetResponse;
import dev.ratchet.client.proto.DeleteRequest;
import dev.ratchet.client.proto.GetRequest;
import dev.ratchet.client.proto.GetResponse;
import dev.ratchet.client.proto.KvServiceGrpc;
import dev.ratchet.client.proto.PutRequest;
import dev.ratchet.client.proto.PutResponse;
import dev.ratchet.client.proto.SlotStatus;
import dev.ratchet.client.proto.StatusRequest;
import dev.ratchet.client.proto.StatusResponse;
import dev.ratchet.client.proto.TabletRange;
import dev.ratchet.client.proto.TopologyRequest;
import dev.ratchet.client.proto.TopologyResponse;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client protocol on two cache nodes of one cluster: round trips, idempotent retries across
 * nodes, concurrent compare-and-set, cross-node conflicts, bad input, overload, role checks and
 * the Topology and Status answers.
 */
class CacheNodeKvTest {
    private static CacheCluster cluster;
    private static CacheNode first;
    private static CacheNode second;
    private static KvServiceGrpc.KvServiceBlockingStub kv;
    private static KvServiceGrpc.KvServiceBlockingStub kv2;

    @BeforeAll
    static void start() throws Exception {
        cluster = CacheCluster.start();
        first = cluster.startCache();
        second = cluster.startCache();
        kv = cluster.stub(first).withDeadlineAfter(60, TimeUnit.SECONDS);
        kv2 = cluster.stub(second).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void compareAndSet_byVersionValueAndAbsence() {
        ByteString key = bytes("cas-key");
        CompareAndSetResponse created =
                kv.compareAndSet(cas(key, "v1").setExpectAbsent(true).build());
        assertTrue(created.getSucceeded());
        CompareAndSetResponse again =
                kv.compareAndSet(cas(key, "v1b").setExpectAbsent(true).build());
        assertFalse(again.getSucceeded());
        assertTrue(again.getCurrentFound());
        assertEquals(bytes("v1"), again.getCurrentValue());
        assertEquals(created.getVersion(), again.getVersion());

        CompareAndSetResponse byVersion = kv.compareAndSet(
                cas(key, "v2").setExpectedVersion(created.getVersion()).build());
        assertTrue(byVersion.getSucceeded());
        assertTrue(byVersion.getVersion() > created.getVersion());
        CompareAndSetResponse staleVersion = kv.compareAndSet(
                cas(key, "v3").setExpectedVersion(created.getVersion()).build());
        assertFalse(staleVersion.getSucceeded());
        assertEquals(byVersion.getVersion(), staleVersion.getVersion());

        CompareAndSetResponse byValue =
                kv2.compareAndSet(cas(key, "v3").setExpectedValue(bytes("v2")).build());
        assertTrue(byValue.getSucceeded());
        CompareAndSetResponse wrongValue =
                kv2.compareAndSet(cas(key, "v4").setExpectedValue(bytes("v2")).build());
        assertFalse(wrongValue.getSucceeded());
        assertEquals(bytes("v3"), get(kv, key).getValue());
    }

    @Test
    void delete_removesTheKey_andReportsWhetherItExisted() {
        ByteString key = bytes("delete-me");
        put(kv, key, "here");
        assertTrue(kv.delete(delete(key)).getExisted());
        assertFalse(get(kv, key).getFound());
        assertFalse(get(kv2, key).getFound());
        assertFalse(kv.delete(delete(key)).getExisted());
    }

    @Test
    void retriedPut_withTheSameRequestId_appliesOnce_evenOnAnotherNode() {
        ByteString key = bytes("retried");
        ByteString id = requestId();
        PutRequest request = PutRequest.newBuilder()
                .setKey(key)
                .setValue(bytes("once"))
                .setRequestId(id)
                .build();
        PutResponse original = kv.put(request);
        PutResponse retryHere = kv.put(request);
        PutResponse retryThere = kv2.put(request);
        assertEquals(original.getVersion(), retryHere.getVersion());
        assertEquals(original.getVersion(), retryThere.getVersion());
        assertEquals(original.getVersion(), get(kv2, key).getVersion());

        // The same id for a different operation is refused, not applied.
        StatusRuntimeException reused = assertThrows(
                StatusRuntimeException.class,
                () -> kv2.put(request.toBuilder().setValue(bytes("other")).build()));
        assertError(reused, Status.Code.FAILED_PRECONDITION, "REQUEST_ID_REUSED");
        assertEquals(bytes("once"), get(kv, key).getValue());
    }

    @Test
    void concurrentCompareAndSetIncrements_loseNoUpdate() throws Exception {
        int threads = 6;
        int attemptsPerThread = 12;
        List<ByteString> keys = List.of(bytes("counter-a"), bytes("counter-b"));
        for (ByteString key : keys) {
            put(kv, key, "0");
        }
        AtomicInteger[] successes = {new AtomicInteger(), new AtomicInteger()};
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                KvServiceGrpc.KvServiceBlockingStub stub = t % 2 == 0 ? kv : kv2;
                int seed = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < attemptsPerThread; i++) {
                        int which = (seed + i) % keys.size();
                        GetResponse current = get(stub, keys.get(which));
                        int next = Integer.parseInt(current.getValue().toStringUtf8()) + 1;
                        CompareAndSetResponse result = stub.compareAndSet(cas(keys.get(which), Integer.toString(next))
                                .setExpectedVersion(current.getVersion())
                                .build());
                        if (result.getSucceeded()) {
                            successes[which].incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(
                    successes[i].get(),
                    Integer.parseInt(get(kv, keys.get(i)).getValue().toStringUtf8()),
                    "key " + i);
            assertTrue(successes[i].get() > 0);
        }
    }

    @Test
    void twoNodesWritingOneTablet_bothSucceed() throws Exception {
        List<ByteString> keys = keysInOneTablet(16);
        List<ListenableFuture<PutResponse>> puts = new ArrayList<>();
        KvServiceGrpc.KvServiceFutureStub a = cluster.futureStub(first);
        KvServiceGrpc.KvServiceFutureStub b = cluster.futureStub(second);
        for (int i = 0; i < keys.size(); i++) {
            PutRequest request = PutRequest.newBuilder()
                    .setKey(keys.get(i))
                    .setValue(bytes("value-" + i))
                    .setRequestId(requestId())
                    .build();
            puts.add((i % 2 == 0 ? a : b).put(request));
        }
        for (ListenableFuture<PutResponse> put : puts) {
            assertTrue(put.get(60, TimeUnit.SECONDS).getVersion() >= 1);
        }
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(
                    bytes("value-" + i), get(i % 2 == 0 ? kv2 : kv, keys.get(i)).getValue());
        }
    }

    @Test
    void badInput_getsItsDocumentedCode_andTheNodeKeepsServing() {
        assertError(
                assertThrows(StatusRuntimeException.class, () -> kv.get(GetRequest.getDefaultInstance())),
                Status.Code.INVALID_ARGUMENT,
                "KEY_EMPTY");
        ByteString bigKey = ByteString.copyFrom(new byte[ServingLimits.KEY_BYTES_MAX + 1]);
        assertError(
                assertThrows(
                        StatusRuntimeException.class,
                        () -> kv.put(PutRequest.newBuilder()
                                .setKey(bigKey)
                                .setRequestId(requestId())
                                .build())),
                Status.Code.INVALID_ARGUMENT,
                "KEY_TOO_LARGE");
        ByteString bigValue = ByteString.copyFrom(new byte[ServingLimits.VALUE_BYTES_MAX + 1]);
        assertError(
                assertThrows(
                        StatusRuntimeException.class,
                        () -> kv.put(PutRequest.newBuilder()
                                .setKey(bytes("k"))
                                .setValue(bigValue)
                                .setRequestId(requestId())
                                .build())),
                Status.Code.INVALID_ARGUMENT,
                "VALUE_TOO_LARGE");
        assertError(
                assertThrows(
                        StatusRuntimeException.class,
                        () -> kv.put(PutRequest.newBuilder()
                                .setKey(bytes("k"))
                                .setValue(bytes("v"))
                                .build())),
                Status.Code.INVALID_ARGUMENT,
                "MALFORMED_REQUEST");
        assertError(
                assertThrows(
                        StatusRuntimeException.class,
                        () -> kv.put(PutRequest.newBuilder()
                                .setKey(bytes("k"))
                                .setRequestId(ByteString.copyFrom(new byte[65]))
                                .build())),
                Status.Code.INVALID_ARGUMENT,
                "MALFORMED_REQUEST");
        assertError(
                assertThrows(
                        StatusRuntimeException.class,
                        () -> kv.compareAndSet(cas(bytes("k"), "v").build())),
                Status.Code.INVALID_ARGUMENT,
                "MALFORMED_REQUEST");
        assertError(
                assertThrows(
                        StatusRuntimeException.class,
                        () -> kv.delete(
                                DeleteRequest.newBuilder().setKey(bytes("k")).build())),
                Status.Code.INVALID_ARGUMENT,
                "MALFORMED_REQUEST");
        ByteString maxKey = ByteString.copyFrom(new byte[ServingLimits.KEY_BYTES_MAX]);
        put(kv, maxKey, "still serving");
        assertEquals(bytes("still serving"), get(kv, maxKey).getValue());
    }

    @Test
    void bytesThatDoNotParse_areMalformedRequest() {
        MethodDescriptor<byte[], byte[]> rawPut = KvServiceGrpc.getPutMethod().toBuilder(new RawBytes(), new RawBytes())
                .build();
        byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
        StatusRuntimeException refused = assertThrows(
                StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(
                        cluster.channel(first, cluster.client),
                        rawPut,
                        io.grpc.CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                        garbage));
        assertError(refused, Status.Code.INVALID_ARGUMENT, "MALFORMED_REQUEST");
        put(kv, bytes("after-garbage"), "fine");
        assertEquals(bytes("fine"), get(kv, bytes("after-garbage")).getValue());
    }

    /** Passes bytes through unchanged. */
    private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public java.io.InputStream stream(byte[] value) {
            return new java.io.ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(java.io.InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void aCallerOfAnotherRole_isRefusedWithWrongRole() {
        KvServiceGrpc.KvServiceBlockingStub asCache =
                KvServiceGrpc.newBlockingStub(cluster.channel(first, cluster.ca.identity(Role.CACHE)));
        assertError(
                assertThrows(
                        StatusRuntimeException.class,
                        () -> asCache.get(
                                GetRequest.newBuilder().setKey(bytes("k")).build())),
                Status.Code.PERMISSION_DENIED,
                "WRONG_ROLE");
    }

    @Test
    void aFullTabletQueue_answersOverloadedAtOnce() throws Exception {
        CacheNode tiny = cluster.startCache(builder -> builder.tabletQueueDepthMax(1));
        KvServiceGrpc.KvServiceFutureStub stub = cluster.futureStub(tiny);
        List<ListenableFuture<PutResponse>> puts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            puts.add(stub.put(PutRequest.newBuilder()
                    .setKey(bytes("hot"))
                    .setValue(bytes("v" + i))
                    .setRequestId(requestId())
                    .build()));
        }
        int overloaded = 0;
        int applied = 0;
        for (ListenableFuture<PutResponse> put : puts) {
            try {
                put.get(60, TimeUnit.SECONDS);
                applied++;
            } catch (ExecutionException e) {
                StatusRuntimeException status = (StatusRuntimeException) e.getCause();
                assertError(status, Status.Code.RESOURCE_EXHAUSTED, "OVERLOADED");
                overloaded++;
            }
        }
        assertTrue(overloaded > 0, "no put was refused");
        assertTrue(applied > 0, "no put was applied");
        put(cluster.stub(tiny), bytes("hot"), "after");
        assertEquals(bytes("after"), get(kv, bytes("hot")).getValue());
    }

    @Test
    void topologyAndStatus_describeTheCluster() {
        TopologyResponse topology = kv.topology(TopologyRequest.getDefaultInstance());
        assertEquals(0, topology.getTablets(0).getRangeFirst());
        for (int i = 1; i < topology.getTabletsCount(); i++) {
            assertEquals(
                    topology.getTablets(i - 1).getRangeLast() + 1,
                    topology.getTablets(i).getRangeFirst());
        }
        assertEquals(-1L, topology.getTablets(topology.getTabletsCount() - 1).getRangeLast());

        StatusResponse status = kv.status(StatusRequest.getDefaultInstance());
        assertEquals(first.nodeId(), status.getCacheNodeId());
        assertEquals(3, status.getRaftMembersCount());
        assertEquals(
                1,
                status.getRaftMembersList().stream().filter(m -> m.getLeader()).count());
        assertEquals(CacheCluster.K, status.getDataShards());
        assertEquals(CacheCluster.M, status.getParityShards());
        assertEquals(CacheCluster.K + CacheCluster.M, status.getSlotsCount());
        for (SlotStatus slot : status.getSlotsList()) {
            assertEquals("LIVE", slot.getState());
        }
        assertFalse(status.getDegraded());
        assertTrue(status.getRegisteredCacheNodes() >= 2);
        assertEquals(topology.getTabletsCount(), status.getTabletsCount());
    }

    @Test
    void close_deregistersTheNode() throws Exception {
        int before = kv.status(StatusRequest.getDefaultInstance()).getRegisteredCacheNodes();
        CacheNode extra = cluster.startCache();
        assertEquals(before + 1, kv.status(StatusRequest.getDefaultInstance()).getRegisteredCacheNodes());
        extra.close();
        assertEquals(before, kv.status(StatusRequest.getDefaultInstance()).getRegisteredCacheNodes());
    }

    private static List<ByteString> keysInOneTablet(int count) {
        TabletRange tablet = kv.topology(TopologyRequest.getDefaultInstance()).getTablets(0);
        List<ByteString> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            ByteString key = bytes("same-tablet-" + i);
            if (RingPosition.within(RingPosition.position(key), tablet.getRangeFirst(), tablet.getRangeLast())) {
                keys.add(key);
            }
        }
        return keys;
    }

    static CompareAndSetRequest.Builder cas(ByteString key, String value) {
        return CompareAndSetRequest.newBuilder()
                .setKey(key)
                .setValue(bytes(value))
                .setRequestId(requestId());
    }

    static DeleteRequest delete(ByteString key) {
        return DeleteRequest.newBuilder().setKey(key).setRequestId(requestId()).build();
    }

    static PutResponse put(KvServiceGrpc.KvServiceBlockingStub stub, ByteString key, String value) {
        return stub.put(PutRequest.newBuilder()
                .setKey(key)
                .setValue(bytes(value))
                .setRequestId(requestId())
                .build());
    }

    static GetResponse get(KvServiceGrpc.KvServiceBlockingStub stub, ByteString key) {
        return stub.get(GetRequest.newBuilder().setKey(key).build());
    }

    static void assertError(StatusRuntimeException e, Status.Code code, String kvError) {
        assertEquals(code, e.getStatus().getCode(), e.toString());
        String description = e.getStatus().getDescription();
        assertTrue(description != null && description.startsWith(kvError + ": "), e.toString());
        assertNotEquals(null, description);
    }
}
