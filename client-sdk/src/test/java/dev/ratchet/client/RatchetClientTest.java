package dev.ratchet.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.Role;
import dev.ratchet.client.proto.StatusResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Round trips of every operation against a fake cache node over attested TLS. */
class RatchetClientTest {
    private static final long WAIT_SECONDS = 30;

    private final TestTrust trust = new TestTrust();
    private final FakeKvServer server = trust.startServer();
    private final RatchetClient client = trust.client(server);

    @AfterEach
    void closeAll() throws Exception {
        trust.close();
    }

    @Test
    void get_ofMissingKey_isEmpty() {
        assertEquals(Optional.empty(), client.get(bytes("missing")));
    }

    @Test
    void put_thenGet_returnsValueAndVersion() {
        long version = client.put(bytes("k"), bytes("v1"));

        VersionedValue stored = client.get(bytes("k")).orElseThrow();

        assertArrayEquals(bytes("v1"), stored.value());
        assertEquals(version, stored.version());
        assertTrue(version > 0);
    }

    @Test
    void put_twice_versionGrows() {
        long first = client.put(bytes("k"), bytes("v1"));
        long second = client.put(bytes("k"), bytes("v2"));

        assertTrue(Long.compareUnsigned(second, first) > 0, first + " then " + second);
        assertArrayEquals(bytes("v2"), client.get(bytes("k")).orElseThrow().value());
    }

    @Test
    void put_emptyValue_isStored() {
        client.put(bytes("k"), new byte[0]);

        assertArrayEquals(new byte[0], client.get(bytes("k")).orElseThrow().value());
    }

    @Test
    void compareAndSet_byVersion_succeedsOnlyAtThatVersion() {
        long version = client.put(bytes("k"), bytes("v1"));

        CasResult stale = client.compareAndSet(bytes("k"), Expectation.version(version + 100), bytes("x"));
        CasResult fresh = client.compareAndSet(bytes("k"), Expectation.version(version), bytes("v2"));

        assertFalse(stale.succeeded());
        assertEquals(version, stale.version());
        assertEquals(Optional.of(new VersionedValue(bytes("v1"), version)), stale.current());
        assertTrue(fresh.succeeded());
        assertTrue(fresh.version() > version);
        assertEquals(Optional.empty(), fresh.current());
        assertEquals(
                new VersionedValue(bytes("v2"), fresh.version()),
                client.get(bytes("k")).orElseThrow());
    }

    @Test
    void compareAndSet_byValue_succeedsOnlyWithThatValue() {
        client.put(bytes("k"), bytes("v1"));

        CasResult wrong = client.compareAndSet(bytes("k"), Expectation.value(bytes("nope")), bytes("x"));
        CasResult right = client.compareAndSet(bytes("k"), Expectation.value(bytes("v1")), bytes("v2"));

        assertFalse(wrong.succeeded());
        assertArrayEquals(bytes("v1"), wrong.current().orElseThrow().value());
        assertTrue(right.succeeded());
        assertArrayEquals(bytes("v2"), client.get(bytes("k")).orElseThrow().value());
    }

    @Test
    void compareAndSet_absent_createsOnce() {
        CasResult created = client.compareAndSet(bytes("k"), Expectation.absent(), bytes("v1"));
        CasResult again = client.compareAndSet(bytes("k"), Expectation.absent(), bytes("v2"));

        assertTrue(created.succeeded());
        assertFalse(again.succeeded());
        assertEquals(Optional.of(new VersionedValue(bytes("v1"), created.version())), again.current());
    }

    @Test
    void compareAndSet_onMissingKey_failsWithNoCurrentValue() {
        CasResult result = client.compareAndSet(bytes("k"), Expectation.value(bytes("v")), bytes("x"));

        assertEquals(CasResult.failure(Optional.empty()), result);
        assertEquals(0, result.version());
    }

    @Test
    void delete_reportsWhetherTheKeyExisted() {
        client.put(bytes("k"), bytes("v"));

        assertTrue(client.delete(bytes("k")));
        assertFalse(client.delete(bytes("k")));
        assertEquals(Optional.empty(), client.get(bytes("k")));
    }

    @Test
    void asyncOperations_roundTrip() throws Exception {
        long version = client.putAsync(bytes("a"), bytes("1")).get(WAIT_SECONDS, TimeUnit.SECONDS);
        VersionedValue stored =
                client.getAsync(bytes("a")).get(WAIT_SECONDS, TimeUnit.SECONDS).orElseThrow();
        CasResult cas = client.compareAndSetAsync(bytes("a"), Expectation.version(version), bytes("2"))
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        boolean existed = client.deleteAsync(bytes("a")).get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertEquals(new VersionedValue(bytes("1"), version), stored);
        assertTrue(cas.succeeded());
        assertTrue(existed);
    }

    @Test
    void manyConcurrentAsyncPuts_allApplyWithDistinctVersions() throws Exception {
        List<CompletableFuture<Long>> puts = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            puts.add(client.putAsync(bytes("key-" + i), bytes("value-" + i)));
        }
        Set<Long> versions = new HashSet<>();
        for (CompletableFuture<Long> put : puts) {
            versions.add(put.get(WAIT_SECONDS, TimeUnit.SECONDS));
        }

        assertEquals(200, versions.size());
        assertEquals(200, server.calls("Put").size());
    }

    @Test
    void writes_eachCarryAFreshSixteenByteRequestId() {
        client.put(bytes("k"), bytes("v"));
        client.compareAndSet(bytes("k"), Expectation.absent(), bytes("v"));
        client.delete(bytes("k"));

        Set<Object> ids = new HashSet<>();
        for (FakeKvServer.Call call : server.calls()) {
            if (call.requestId() != null) {
                assertEquals(Limits.REQUEST_ID_BYTES, call.requestId().size());
                ids.add(call.requestId());
            }
        }
        assertEquals(3, ids.size());
    }

    @Test
    void calls_arriveAsTheClientsAttestedIdentity() {
        client.get(bytes("k"));

        Set<String> callers = new HashSet<>();
        server.calls().forEach(call -> callers.add(call.callerNodeId()));
        assertEquals(1, callers.size());
        assertFalse(callers.contains(server.nodeId()));
    }

    @Test
    void status_returnsTheCacheNodesView() {
        StatusResponse status = client.status();

        assertEquals(server.nodeId(), status.getCacheNodeId());
    }

    @Test
    void values_areCopiedInAndOut() {
        byte[] value = bytes("original");
        client.put(bytes("k"), value);
        value[0] = 'X';

        VersionedValue stored = client.get(bytes("k")).orElseThrow();
        stored.value()[0] = 'Y';

        assertArrayEquals(bytes("original"), stored.value());
    }

    @Test
    void close_releasesChannels_andLaterCallsAreRefused() {
        client.put(bytes("k"), bytes("v"));

        client.close();
        client.close();

        assertTrue(client.channelsTerminated());
        assertThrows(IllegalStateException.class, () -> client.get(bytes("k")));
        assertThrows(IllegalStateException.class, () -> client.putAsync(bytes("k"), bytes("v")));
    }

    @Test
    void close_failsCallsInFlight() throws Exception {
        server.hangNext(1);
        CompletableFuture<Optional<VersionedValue>> pending = client.getAsync(bytes("k"));
        awaitCalls(server, "Get", 1);

        client.close();

        Exception e = assertThrows(Exception.class, () -> pending.get(WAIT_SECONDS, TimeUnit.SECONDS));
        RatchetException cause = (RatchetException) e.getCause();
        assertEquals(ErrorCode.UNAVAILABLE, cause.code());
    }

    @Test
    void identityOfAnotherRole_isRefusedByTheBuilder() {
        assertThrows(
                IllegalArgumentException.class, () -> RatchetClient.builder().identity(trust.identity(Role.CACHE)));
    }

    /** Waits, with a bound, until {@code server} has received {@code count} calls of {@code method}. */
    static void awaitCalls(FakeKvServer server, String method, int count) throws InterruptedException {
        server.awaitCalls(method, count, Duration.ofSeconds(WAIT_SECONDS));
    }

    static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }
}
