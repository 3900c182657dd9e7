package dev.ratchet.client;

import static dev.ratchet.client.RatchetClientTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Keys and values are checked against {@link Limits} before anything is sent, with kv.proto's codes. */
class ValidationTest {
    private final TestTrust trust = new TestTrust();
    private final FakeKvServer server = trust.startServer();
    private final RatchetClient client = trust.client(server);

    @AfterEach
    void closeAll() throws Exception {
        trust.close();
    }

    @Test
    void emptyKey_isKeyEmpty_forEveryOperation() {
        byte[] empty = new byte[0];
        assertCode(ErrorCode.KEY_EMPTY, () -> client.get(empty));
        assertCode(ErrorCode.KEY_EMPTY, () -> client.put(empty, bytes("v")));
        assertCode(ErrorCode.KEY_EMPTY, () -> client.compareAndSet(empty, Expectation.absent(), bytes("v")));
        assertCode(ErrorCode.KEY_EMPTY, () -> client.delete(empty));
        assertEquals(List.of(), server.calls());
    }

    @Test
    void keyOverTheLimit_isKeyTooLarge_andAtTheLimitWorks() {
        byte[] tooLong = new byte[Limits.KEY_BYTES_MAX + 1];
        byte[] longest = new byte[Limits.KEY_BYTES_MAX];
        longest[0] = 1;

        assertCode(ErrorCode.KEY_TOO_LARGE, () -> client.get(tooLong));
        assertCode(ErrorCode.KEY_TOO_LARGE, () -> client.put(tooLong, bytes("v")));
        assertEquals(List.of(), server.calls("Get"));
        assertEquals(List.of(), server.calls("Put"));

        client.put(longest, bytes("v"));
        assertTrue(client.get(longest).isPresent());
    }

    @Test
    void valueOverTheLimit_isValueTooLarge_andAtTheLimitWorks() {
        byte[] tooLarge = new byte[Limits.VALUE_BYTES_MAX + 1];
        byte[] largest = new byte[Limits.VALUE_BYTES_MAX];
        largest[largest.length - 1] = 9;

        assertCode(ErrorCode.VALUE_TOO_LARGE, () -> client.put(bytes("k"), tooLarge));
        assertCode(ErrorCode.VALUE_TOO_LARGE, () -> client.compareAndSet(bytes("k"), Expectation.absent(), tooLarge));
        assertEquals(List.of(), server.calls("Put"));

        client.put(bytes("k"), largest);
        assertEquals(
                Limits.VALUE_BYTES_MAX, client.get(bytes("k")).orElseThrow().value().length);
    }

    @Test
    void asyncValidation_failsTheFuture_withTheSameCode() {
        CompletableFuture<Long> put = client.putAsync(new byte[0], bytes("v"));

        ExecutionException e = assertThrows(ExecutionException.class, () -> put.get(10, TimeUnit.SECONDS));
        assertEquals(ErrorCode.KEY_EMPTY, ((RatchetException) e.getCause()).code());
    }

    @Test
    void nulls_areProgrammingErrors() {
        assertThrows(NullPointerException.class, () -> client.get(null));
        assertThrows(NullPointerException.class, () -> client.put(bytes("k"), null));
        assertThrows(NullPointerException.class, () -> client.compareAndSet(bytes("k"), null, bytes("v")));
    }

    @Test
    void expectations_checkTheirArguments() {
        assertThrows(IllegalArgumentException.class, () -> Expectation.version(0));
        assertThrows(IllegalArgumentException.class, () -> Expectation.value(new byte[Limits.VALUE_BYTES_MAX + 1]));
        assertEquals(Expectation.value(bytes("a")), Expectation.value(bytes("a")));
        assertEquals(Expectation.absent(), Expectation.absent());
    }

    @Test
    void limits_matchKvProtoAndTheServer() {
        assertEquals(4096, Limits.KEY_BYTES_MAX);
        assertEquals(1 << 20, Limits.VALUE_BYTES_MAX);
        assertTrue(Limits.REQUEST_ID_BYTES >= 16 && Limits.REQUEST_ID_BYTES <= 64);
    }

    private static void assertCode(ErrorCode expected, Runnable call) {
        RatchetException e = assertThrows(RatchetException.class, call::run);
        assertEquals(expected, e.code());
    }
}
