package dev.ratchet.client;

import static dev.ratchet.client.RatchetClientTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.Role;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client checks the cache node's evidence during the handshake, before it sends anything. */
class AttestationRefusalTest {
    private final TestTrust trust = new TestTrust();

    @AfterEach
    void closeAll() throws Exception {
        trust.close();
    }

    @Test
    void nodeOfAnotherRole_isRefused_beforeAnyRequest() {
        FakeKvServer impostor = trust.startServer(trust.identity(Role.TABLET_STORE));
        RatchetClient client = trust.client(impostor);

        RatchetException e = assertThrows(RatchetException.class, () -> client.put(bytes("k"), bytes("v")));

        assertEquals(ErrorCode.ATTESTATION_REFUSED, e.code());
        assertFalse(e.retryable());
        assertFalse(e.outcomeUnknown());
        assertTrue(e.getMessage().contains("wrong_role"), e.getMessage());
        assertEquals(List.of(), impostor.calls());
    }

    @Test
    void nodeRunningUnallowedCode_isRefused_beforeAnyRequest() {
        FakeKvServer impostor = trust.startServer(trust.foreignCodeIdentity(Role.CACHE));
        RatchetClient client = trust.client(impostor);

        RatchetException e = assertThrows(RatchetException.class, () -> client.get(bytes("k")));

        assertEquals(ErrorCode.ATTESTATION_REFUSED, e.code());
        assertTrue(e.getMessage().contains("measurement"), e.getMessage());
        assertEquals(List.of(), impostor.calls());
    }

    @Test
    void nodeOfAnotherCluster_isRefused_beforeAnyRequest() {
        try (TestTrust otherCluster = new TestTrust()) {
            FakeKvServer stranger = otherCluster.startServer();
            RatchetClient client = trust.track(
                    trust.clientBuilder().endpoint(stranger.endpoint()).build());

            RatchetException e = assertThrows(RatchetException.class, () -> client.status());

            assertEquals(ErrorCode.ATTESTATION_REFUSED, e.code());
            assertEquals(List.of(), stranger.calls());
        }
    }

    @Test
    void clientRefusedByTheNode_neverReachesIt() {
        TestTrust strangerClients = new TestTrust();
        FakeKvServer node = trust.startServer();
        RatchetClient client = trust.track(strangerClients
                .clientBuilder()
                .verifier(trust.cacheVerifier())
                .endpoint(node.endpoint())
                .maxAttempts(2)
                .build());

        RatchetException e = assertThrows(RatchetException.class, () -> client.put(bytes("k"), bytes("v")));

        assertEquals(List.of(), node.calls());
        // The client cannot tell a refusal by the node from a broken connection, but it can tell
        // that the handshake failed, so nothing was sent and the write is not in doubt.
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertFalse(e.outcomeUnknown());
        assertTrue(e.getMessage().contains("TLS handshake failed"), e.getMessage());
        strangerClients.close();
    }
}
