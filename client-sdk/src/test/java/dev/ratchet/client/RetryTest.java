package dev.ratchet.client;

import static dev.ratchet.client.RatchetClientTest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.client.proto.KvError;
import io.grpc.Status;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bounded retries with the same request id, outcome-unknown reporting, and failover between cache nodes. */
class RetryTest {
    /** The deadline in tests where a call hangs: long enough for a TLS handshake on a busy machine. */
    private static final Duration HANG_TIMEOUT = Duration.ofSeconds(2);

    private final TestTrust trust = new TestTrust();

    @AfterEach
    void closeAll() throws Exception {
        trust.close();
    }

    @Test
    void retryableFailures_areRetried_withTheSameRequestId() {
        FakeKvServer server = trust.startServer();
        RatchetClient client = trust.client(server);
        server.failNext(1, KvError.OVERLOADED).failNext(1, KvError.NOT_SERVING);

        long version = client.put(bytes("k"), bytes("v"));

        List<FakeKvServer.Call> puts = server.calls("Put");
        assertEquals(3, puts.size());
        assertEquals(1, requestIds(puts).size());
        assertEquals(1, server.writesApplied());
        assertEquals(version, client.get(bytes("k")).orElseThrow().version());
    }

    @Test
    void retries_stopAfterMaxAttempts_withTheLastCode() {
        FakeKvServer server = trust.startServer();
        RatchetClient client = trust.track(
                trust.clientBuilder().endpoint(server.endpoint()).maxAttempts(3).build());
        server.failNext(10, KvError.OVERLOADED);

        RatchetException e = assertThrows(RatchetException.class, () -> client.put(bytes("k"), bytes("v")));

        assertEquals(ErrorCode.OVERLOADED, e.code());
        assertFalse(e.outcomeUnknown());
        List<FakeKvServer.Call> puts = server.calls("Put");
        assertEquals(3, puts.size());
        assertEquals(1, requestIds(puts).size());
        assertEquals(0, server.writesApplied());
    }

    @Test
    void outcomeUnknownOnEveryAttempt_surfacesAsOutcomeUnknown() {
        FakeKvServer server = trust.startServer();
        RatchetClient client = trust.track(
                trust.clientBuilder().endpoint(server.endpoint()).maxAttempts(2).build());
        server.failNext(2, KvError.OUTCOME_UNKNOWN);

        RatchetException e = assertThrows(RatchetException.class, () -> client.delete(bytes("k")));

        assertEquals(ErrorCode.OUTCOME_UNKNOWN, e.code());
        assertTrue(e.outcomeUnknown());
        assertTrue(e.retryable());
        assertEquals(2, server.calls("Delete").size());
    }

    @Test
    void outcomeUnknownThenNotServing_isStillOutcomeUnknown() {
        FakeKvServer server = trust.startServer();
        RatchetClient client = trust.track(
                trust.clientBuilder().endpoint(server.endpoint()).maxAttempts(2).build());
        server.applyThenFailNext(1, KvError.OUTCOME_UNKNOWN).failNext(1, KvError.NOT_SERVING);

        RatchetException e = assertThrows(RatchetException.class, () -> client.put(bytes("k"), bytes("v")));

        // The first attempt was in fact applied; the client cannot know, so it must not say "not applied".
        assertEquals(ErrorCode.OUTCOME_UNKNOWN, e.code());
        assertEquals(1, server.writesApplied());
    }

    @Test
    void outcomeUnknownThenANonRetryableRefusal_isStillOutcomeUnknown() {
        FakeKvServer server = trust.startServer();
        RatchetClient client = trust.client(server);
        server.applyThenFailNext(1, KvError.OUTCOME_UNKNOWN).failNext(1, KvError.STORAGE_FULL);

        RatchetException e = assertThrows(RatchetException.class, () -> client.put(bytes("k"), bytes("v")));

        assertEquals(ErrorCode.OUTCOME_UNKNOWN, e.code());
        assertEquals(2, server.calls("Put").size());
        assertEquals(1, server.writesApplied());
    }

    @Test
    void writeAppliedButUnconfirmed_isSettledOnceByTheRetry() {
        FakeKvServer server = trust.startServer();
        RatchetClient client = trust.client(server);
        server.applyThenFailNext(1, KvError.OUTCOME_UNKNOWN);

        CasResult result = client.compareAndSet(bytes("k"), Expectation.absent(), bytes("v"));

        // Re-evaluating the CAS would fail (the key now exists); the recorded outcome is returned instead.
        assertTrue(result.succeeded());
        assertEquals(1, server.writesApplied());
        assertEquals(1, requestIds(server.calls("CompareAndSet")).size());
    }

    @Test
    void writeTimingOut_isOutcomeUnknown() {
        FakeKvServer server = trust.startServer();
        RatchetClient client = trust.track(trust.clientBuilder()
                .endpoint(server.endpoint())
                .maxAttempts(1)
                .requestTimeout(HANG_TIMEOUT)
                .build());
        server.hangNext(1);

        RatchetException e = assertThrows(RatchetException.class, () -> client.put(bytes("k"), bytes("v")));

        assertEquals(ErrorCode.OUTCOME_UNKNOWN, e.code());
    }

    @Test
    void readTimingOut_isDeadlineExceeded_andRetried() {
        FakeKvServer server = trust.startServer();
        RatchetClient client = trust.track(trust.clientBuilder()
                .endpoint(server.endpoint())
                .maxAttempts(2)
                .requestTimeout(HANG_TIMEOUT)
                .build());
        client.put(bytes("k"), bytes("v"));
        server.hangNext(2);

        RatchetException e = assertThrows(RatchetException.class, () -> client.get(bytes("k")));

        assertEquals(ErrorCode.DEADLINE_EXCEEDED, e.code());
        assertFalse(e.outcomeUnknown());
        assertEquals(2, server.calls("Get").size());
    }

    @Test
    void hungAttempt_isRetried_andSucceeds() {
        FakeKvServer server = trust.startServer();
        RatchetClient client = trust.track(trust.clientBuilder()
                .endpoint(server.endpoint())
                .requestTimeout(HANG_TIMEOUT)
                .build());
        server.hangNext(1);

        client.put(bytes("k"), bytes("v"));

        assertEquals(2, server.calls("Put").size());
        assertEquals(1, requestIds(server.calls("Put")).size());
    }

    @Test
    void nonRetryableCodes_areNotRetried() {
        FakeKvServer server = trust.startServer();
        RatchetClient client = trust.client(server);
        for (KvError error : List.of(KvError.STORAGE_FULL, KvError.UNREADABLE, KvError.WRONG_ROLE)) {
            server.failNext(1, error);
            int before = server.calls("Put").size();

            RatchetException e = assertThrows(RatchetException.class, () -> client.put(bytes("k"), bytes("v")));

            assertEquals(error.name(), e.code().name());
            assertFalse(e.retryable());
            assertEquals(before + 1, server.calls("Put").size());
        }
    }

    @Test
    void asyncFailure_completesTheFutureWithTheCode() {
        FakeKvServer server = trust.startServer();
        RatchetClient client = trust.client(server);
        server.failNext(1, KvError.STORAGE_FULL);

        ExecutionException e = assertThrows(
                ExecutionException.class,
                () -> client.putAsync(bytes("k"), bytes("v")).get(30, TimeUnit.SECONDS));

        assertEquals(ErrorCode.STORAGE_FULL, ((RatchetException) e.getCause()).code());
    }

    @Test
    void undefinedStatus_isInternal_andNotRetried() {
        FakeKvServer server = trust.startServer();
        RatchetClient client = trust.client(server);
        server.failNext(1, Status.INVALID_ARGUMENT.withDescription("something the protocol does not define"));

        RatchetException e = assertThrows(RatchetException.class, () -> client.get(bytes("k")));

        assertEquals(ErrorCode.INTERNAL, e.code());
        assertEquals(1, server.calls("Get").size());
    }

    @Test
    void failingPreferredNode_failsOverToTheNextInRendezvousOrder() {
        FakeKvServer first = trust.startServer();
        FakeKvServer second = trust.startServer();
        RatchetClient client = trust.client(first, second);
        List<FakeKvServer> servers = List.of(first, second);
        byte[] key = bytes("k");
        List<Integer> order = client.router().route(key);
        FakeKvServer preferred = servers.get(order.get(0));
        FakeKvServer fallback = servers.get(order.get(1));
        preferred.failNext(1, KvError.NOT_SERVING);

        client.put(key, bytes("v"));

        assertEquals(1, preferred.calls("Put").size());
        assertEquals(1, fallback.calls("Put").size());
        assertEquals(
                preferred.calls("Put").get(0).requestId(),
                fallback.calls("Put").get(0).requestId());
    }

    @Test
    void deadEndpoint_isSkipped_forEveryKey() throws Exception {
        FakeKvServer live = trust.startServer();
        String dead = "127.0.0.1:" + freePort();
        RatchetClient client = trust.track(
                trust.clientBuilder().endpoint(dead).endpoint(live.endpoint()).build());

        for (int i = 0; i < 20; i++) {
            client.put(bytes("key-" + i), bytes("v"));
        }

        assertEquals(20, live.calls("Put").size());
        assertEquals(20, live.writesApplied());
    }

    @Test
    void noEndpointAnswering_isUnavailable_andNotOutcomeUnknown() throws Exception {
        RatchetClient client = trust.track(trust.clientBuilder()
                .endpoint("127.0.0.1:" + freePort())
                .maxAttempts(3)
                .build());

        RatchetException e = assertThrows(RatchetException.class, () -> client.put(bytes("k"), bytes("v")));

        // A refused TCP connection proves the write was never sent.
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertFalse(e.outcomeUnknown());
    }

    @Test
    void stoppedNode_failsOver_afterItServedBefore() {
        FakeKvServer first = trust.startServer();
        FakeKvServer second = trust.startServer();
        RatchetClient client = trust.client(first, second);
        for (int i = 0; i < 10; i++) {
            client.put(bytes("key-" + i), bytes("before"));
        }

        first.close();

        for (int i = 0; i < 10; i++) {
            client.put(bytes("key-" + i), bytes("after"));
        }
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(
                    bytes("after"), client.get(bytes("key-" + i)).orElseThrow().value());
        }
    }

    @Test
    void everyAttemptOfAWrite_carriesTheStoreClockKnownWhenItStarted() {
        FakeKvServer server = trust.startServer().storeClockTicks(5);
        RatchetClient client = trust.client(server);
        client.get(bytes("prime")); // the answer's trailer brings the clock
        server.storeClockTicks(7).failNext(1, KvError.OUTCOME_UNKNOWN).failNext(1, KvError.OVERLOADED);

        client.put(bytes("k"), bytes("v"));

        List<FakeKvServer.Call> puts = server.calls("Put");
        assertEquals(
                List.of(5L, 5L, 5L),
                puts.stream().map(FakeKvServer.Call::issuedAtTick).toList());
        assertEquals(1, requestIds(puts).size());
        // The next operation starts with the clock the last answers brought.
        client.delete(bytes("k"));
        assertEquals(7L, server.calls("Delete").get(0).issuedAtTick());
    }

    @Test
    void requestTooOld_afterAnAttemptThatMayHaveLanded_isOutcomeUnknown_andNotRetried() {
        FakeKvServer server = trust.startServer().storeClockTicks(5);
        RatchetClient client = trust.client(server);
        client.get(bytes("prime"));
        server.storeClockTicks(90).applyThenFailNext(1, KvError.OUTCOME_UNKNOWN).failNext(1, KvError.REQUEST_TOO_OLD);

        RatchetException e = assertThrows(RatchetException.class, () -> client.put(bytes("k"), bytes("v")));

        assertEquals(ErrorCode.OUTCOME_UNKNOWN, e.code());
        assertTrue(e.outcomeUnknown());
        // Not stamped anew: the first attempt may have landed, so a new stamp could apply it twice.
        assertEquals(
                List.of(5L, 5L),
                server.calls("Put").stream()
                        .map(FakeKvServer.Call::issuedAtTick)
                        .toList());
        assertEquals(1, server.writesApplied());
    }

    @Test
    void requestTooOld_whenNoAttemptCanHaveLanded_isStampedAnew_andApplied() {
        FakeKvServer server = trust.startServer().storeClockTicks(5);
        RatchetClient client = trust.client(server);
        client.get(bytes("prime"));
        server.storeClockTicks(90).failNext(1, KvError.NOT_SERVING).failNext(1, KvError.REQUEST_TOO_OLD);

        long version = client.compareAndSet(bytes("k"), Expectation.absent(), bytes("v"))
                .version();

        assertEquals(
                List.of(5L, 5L, 90L),
                server.calls("CompareAndSet").stream()
                        .map(FakeKvServer.Call::issuedAtTick)
                        .toList());
        assertEquals(1, server.writesApplied());
        assertEquals(version, client.get(bytes("k")).orElseThrow().version());
    }

    @Test
    void requestTooOld_whenTheClockDidNotMove_isReportedAsNotApplied() {
        FakeKvServer server = trust.startServer().storeClockTicks(5);
        RatchetClient client = trust.client(server);
        client.get(bytes("prime"));
        server.failNext(3, KvError.REQUEST_TOO_OLD);

        RatchetException e = assertThrows(RatchetException.class, () -> client.delete(bytes("k")));

        assertEquals(ErrorCode.REQUEST_TOO_OLD, e.code());
        assertFalse(e.outcomeUnknown());
        assertFalse(e.retryable());
        assertEquals(1, server.calls("Delete").size());
    }

    private static Set<ByteString> requestIds(List<FakeKvServer.Call> calls) {
        return calls.stream().map(FakeKvServer.Call::requestId).collect(Collectors.toSet());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
