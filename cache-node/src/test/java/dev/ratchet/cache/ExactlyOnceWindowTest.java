package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheCluster.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import dev.ratchet.client.proto.CompareAndSetRequest;
import dev.ratchet.client.proto.CompareAndSetResponse;
import dev.ratchet.client.proto.GetRequest;
import dev.ratchet.client.proto.GetResponse;
import dev.ratchet.client.proto.KvServiceGrpc;
import dev.ratchet.client.proto.PutRequest;
import dev.ratchet.client.proto.PutResponse;
import dev.ratchet.client.proto.TabletRange;
import dev.ratchet.client.proto.TopologyRequest;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Exactly once for as long as a client retries (issue 13, item 3): a write whose commit landed
 * but whose answer was lost is retried only after more writes hit its tablet than the old window
 * held (1,024 records), from many concurrent clients; the retry returns the first outcome and
 * applies nothing again, and a retried compare-and-set that had landed is reported as the success
 * it was, not as a failure against its own value.
 *
 * <p>The lost answer is deterministic: the test hook drops the store's answer to the one commit
 * that carries the write, which is alone in flight when the hook is armed.
 */
class ExactlyOnceWindowTest {
    /** More writes between the first attempt and its retry than the old count-bounded window kept. */
    private static final int WRITES_BETWEEN = 1_300;

    private static final int CONCURRENT_WRITERS = 64;

    private static CacheCluster cluster;
    private static CacheNode node;
    private static KvServiceGrpc.KvServiceBlockingStub kv;
    private static KvServiceGrpc.KvServiceFutureStub async;
    private static final AtomicBoolean dropNextCommitAnswer = new AtomicBoolean();

    @BeforeAll
    static void start() throws Exception {
        cluster = CacheCluster.start();
        node = cluster.startCache();
        node.dropCommandAnswersForTest(
                command -> command.hasCommitTablets() && dropNextCommitAnswer.compareAndSet(true, false));
        kv = cluster.stub(node);
        async = cluster.futureStub(node);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aLandedPut_retriedAfterThousandsOfWritesToItsTablet_appliesOnce() throws Exception {
        ByteString key = bytes("hot-put-target");
        ByteString id = requestId();
        PutRequest put = stamped(PutRequest.newBuilder()
                        .setKey(key)
                        .setValue(bytes("first"))
                        .setRequestId(id))
                .build();
        dropNextCommitAnswer.set(true);
        StatusRuntimeException lost = assertThrows(StatusRuntimeException.class, () -> kv.put(put));
        assertTrue(lost.getStatus().getDescription().startsWith("OUTCOME_UNKNOWN"), lost.toString());
        long landed = get(key).getVersion();
        assertTrue(landed > 0, "the first attempt landed");

        hammerTabletOf(key, "put");

        PutResponse retried = kv.put(put);
        assertEquals(landed, retried.getVersion(), "the retry returns the first attempt's version");
        GetResponse after = get(key);
        assertEquals(landed, after.getVersion(), "the retry applied nothing");
        assertEquals(bytes("first"), after.getValue());
    }

    @Test
    void aLandedCas_retriedAfterThousandsOfWritesToItsTablet_isReportedAsItsOwnSuccess() throws Exception {
        ByteString key = bytes("hot-cas-target");
        long initial = kv.put(stamped(PutRequest.newBuilder()
                                .setKey(key)
                                .setValue(bytes("initial"))
                                .setRequestId(requestId()))
                        .build())
                .getVersion();
        CompareAndSetRequest cas = stamped(CompareAndSetRequest.newBuilder()
                        .setKey(key)
                        .setValue(bytes("swapped"))
                        .setRequestId(requestId())
                        .setExpectedVersion(initial))
                .build();
        dropNextCommitAnswer.set(true);
        StatusRuntimeException lost = assertThrows(StatusRuntimeException.class, () -> kv.compareAndSet(cas));
        assertTrue(lost.getStatus().getDescription().startsWith("OUTCOME_UNKNOWN"), lost.toString());
        GetResponse landed = get(key);
        assertEquals(bytes("swapped"), landed.getValue(), "the first attempt landed");

        hammerTabletOf(key, "cas");

        CompareAndSetResponse retried = kv.compareAndSet(cas);
        assertTrue(retried.getSucceeded(), "a CAS that landed is not reported failed against its own value");
        assertEquals(landed.getVersion(), retried.getVersion());
        assertEquals(landed.getVersion(), get(key).getVersion(), "the retry applied nothing");
        // A success reports no current entry (kv.proto): the retry is answered as the success it was.
        assertFalse(retried.getCurrentFound());
    }

    @Test
    void aLandedPut_retriedAfterTheWindowsAge_isRefusedAsTooOld_notAppliedAgain() throws Exception {
        ByteString key = bytes("aged-put-target");
        PutRequest put = stamped(PutRequest.newBuilder()
                        .setKey(key)
                        .setValue(bytes("once"))
                        .setRequestId(requestId()))
                .build();
        dropNextCommitAnswer.set(true);
        assertThrows(StatusRuntimeException.class, () -> kv.put(put));
        long landed = get(key).getVersion();
        assertTrue(landed > 0, "the first attempt landed");

        // The store clock ticks on each heartbeat this node logs (it is the only cache node), so
        // forced heartbeats age the record past the bound in a few seconds instead of two minutes.
        long target = put.getIssuedAtTick() + TabletWindow.AGE_TICKS_MAX + 2;
        CacheCluster.awaitUntil("the store clock passes the window's age", () -> {
            node.heartbeatRoundNow();
            return node.storeClockTicks() >= target;
        });
        // A later write to the same tablet applies the bound and drops the record.
        ByteString neighbour = neighbourOf(key);
        kv.put(stamped(PutRequest.newBuilder()
                        .setKey(neighbour)
                        .setValue(bytes("later"))
                        .setRequestId(requestId()))
                .build());

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> kv.put(put));
        assertEquals(
                io.grpc.Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().startsWith("REQUEST_TOO_OLD"), refused.toString());
        assertEquals(landed, get(key).getVersion(), "the retry applied nothing");
    }

    @Test
    void everyAnswer_carriesTheStoreClock_andAStampFarAheadOfItIsMalformed() {
        java.util.concurrent.atomic.AtomicReference<io.grpc.Metadata> trailers =
                new java.util.concurrent.atomic.AtomicReference<>();
        KvServiceGrpc.KvServiceBlockingStub capturing =
                kv.withInterceptors(io.grpc.stub.MetadataUtils.newCaptureMetadataInterceptor(
                        new java.util.concurrent.atomic.AtomicReference<>(), trailers));
        ByteString key = bytes("clock-trailer");
        capturing.get(GetRequest.newBuilder().setKey(key).build());
        long seen = Long.parseLong(trailers.get().get(StoreClockTrailer.KEY));
        assertTrue(seen > 0 && seen <= node.storeClockTicks(), "trailer " + seen);

        PutRequest ahead = PutRequest.newBuilder()
                .setKey(key)
                .setValue(bytes("v"))
                .setRequestId(requestId())
                .setIssuedAtTick(node.storeClockTicks() + TabletWindow.ISSUED_AHEAD_TICKS_MAX + 5)
                .build();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> capturing.put(ahead));
        assertTrue(refused.getStatus().getDescription().startsWith("MALFORMED_REQUEST"), refused.toString());
        assertTrue(trailers.get().containsKey(StoreClockTrailer.KEY), "errors carry the clock too");
        assertFalse(get(key).getFound(), "nothing applied");
    }

    private static ByteString neighbourOf(ByteString key) {
        TabletRange tablet = tabletOf(key);
        for (int i = 0; ; i++) {
            ByteString candidate = bytes("neighbour-" + i);
            if (!candidate.equals(key)
                    && RingPosition.within(
                            RingPosition.position(candidate), tablet.getRangeFirst(), tablet.getRangeLast())) {
                return candidate;
            }
        }
    }

    /** Writes {@link #WRITES_BETWEEN} puts to other keys of {@code key}'s tablet, many at a time. */
    private static void hammerTabletOf(ByteString key, String prefix) throws ExecutionException, InterruptedException {
        TabletRange tablet = tabletOf(key);
        List<ByteString> keys = new ArrayList<>();
        for (int i = 0; keys.size() < 40; i++) {
            ByteString candidate = bytes(prefix + "-filler-" + i);
            if (RingPosition.within(RingPosition.position(candidate), tablet.getRangeFirst(), tablet.getRangeLast())) {
                keys.add(candidate);
            }
        }
        for (int done = 0; done < WRITES_BETWEEN; ) {
            List<ListenableFuture<PutResponse>> wave = new ArrayList<>();
            for (int i = 0; i < CONCURRENT_WRITERS && done < WRITES_BETWEEN; i++, done++) {
                wave.add(async.put(stamped(PutRequest.newBuilder()
                                .setKey(keys.get(done % keys.size()))
                                .setValue(bytes("filler-" + done))
                                .setRequestId(requestId()))
                        .build()));
            }
            for (ListenableFuture<PutResponse> answer : wave) {
                answer.get();
            }
        }
        assertEquals(tablet.getTabletId(), tabletOf(key).getTabletId(), "the tablet did not split meanwhile");
    }

    private static TabletRange tabletOf(ByteString key) {
        long position = RingPosition.position(key);
        return kv.topology(TopologyRequest.getDefaultInstance()).getTabletsList().stream()
                .filter(t -> RingPosition.within(position, t.getRangeFirst(), t.getRangeLast()))
                .findFirst()
                .orElseThrow();
    }

    private static GetResponse get(ByteString key) {
        return kv.get(GetRequest.newBuilder().setKey(key).build());
    }

    /** Stamps a write as the SDK does: with the store clock known when it is first sent. */
    private static PutRequest.Builder stamped(PutRequest.Builder request) {
        return request.setIssuedAtTick(node.storeClockTicks());
    }

    private static CompareAndSetRequest.Builder stamped(CompareAndSetRequest.Builder request) {
        return request.setIssuedAtTick(node.storeClockTicks());
    }
}
