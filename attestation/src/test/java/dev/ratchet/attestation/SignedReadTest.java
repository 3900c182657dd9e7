package dev.ratchet.attestation;

import static dev.ratchet.attestation.AttestationVerifierTest.assertRefused;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SignedReadTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);
    private static final byte[] REQUEST = "get sector 7 of key k1 at version 42".getBytes(UTF_8);
    private static final byte[] RESPONSE = "the sector bytes".getBytes(UTF_8);

    private final TestClusterCa cluster = new TestClusterCa(CLOCK);
    private final NodeIdentity sector = cluster.identity(Role.SECTOR);
    private final byte[] nonce = SignedRead.newNonce();
    private final byte[] signature = SignedRead.sign(sector, nonce, REQUEST, RESPONSE);

    @Test
    void verify_acceptsSignatureOfTheAskedNode() throws Exception {
        SignedRead.verify(sector.publicKey(), nonce, REQUEST, RESPONSE, signature);
    }

    @Test
    void verify_refusesTamperedRequest() {
        byte[] request = REQUEST.clone();
        request[4] ^= 1;
        assertSignatureRefused(sector.publicKey(), nonce, request, RESPONSE);
    }

    @Test
    void verify_refusesTamperedResponse() {
        byte[] response = RESPONSE.clone();
        response[response.length - 1] ^= 1;
        assertSignatureRefused(sector.publicKey(), nonce, REQUEST, response);
    }

    @Test
    void verify_refusesReplayUnderAnotherNonce() {
        byte[] otherNonce = nonce.clone();
        otherNonce[0] ^= 1;
        assertSignatureRefused(sector.publicKey(), otherNonce, REQUEST, RESPONSE);
    }

    @Test
    void verify_refusesSignatureMadeForAnotherNodeId() {
        NodeIdentity other = cluster.identity(Role.SECTOR);
        // The right key, but the signed digest names another node: the node id is really covered.
        byte[] forOther =
                SignedRead.sign(sector.privateKey(), SignedRead.rawNodeId(other.publicKey()), nonce, REQUEST, RESPONSE);
        assertRefused(Refusal.SIGNATURE, () -> {
            SignedRead.verify(sector.publicKey(), nonce, REQUEST, RESPONSE, forOther);
            return null;
        });
    }

    @Test
    void verify_refusesAnotherNodeAnsweringForTheAskedOne() {
        NodeIdentity impostor = cluster.identity(Role.SECTOR);
        byte[] impostorSignature = SignedRead.sign(impostor, nonce, REQUEST, RESPONSE);
        assertRefused(Refusal.SIGNATURE, () -> {
            SignedRead.verify(sector.publicKey(), nonce, REQUEST, RESPONSE, impostorSignature);
            return null;
        });
    }

    @Test
    void verify_refusesGarbageSignature() {
        assertRefused(Refusal.SIGNATURE, () -> {
            SignedRead.verify(sector.publicKey(), nonce, REQUEST, RESPONSE, new byte[] {0x30, 0x01, 0x00});
            return null;
        });
    }

    @Test
    void signAndVerify_rejectWrongNonceLength() {
        assertThrows(IllegalArgumentException.class, () -> SignedRead.sign(sector, new byte[16], REQUEST, RESPONSE));
        assertThrows(
                IllegalArgumentException.class,
                () -> SignedRead.verify(sector.publicKey(), new byte[33], REQUEST, RESPONSE, signature));
    }

    @Test
    void digest_followsTheDocumentedLayout() throws Exception {
        byte[] nodeId = HexFormat.of().parseHex(sector.nodeId());
        assertArrayEquals(nodeId, SignedRead.rawNodeId(sector.publicKey()));
        java.security.MessageDigest sha512 = java.security.MessageDigest.getInstance("SHA-512");
        java.security.MessageDigest sha256 = java.security.MessageDigest.getInstance("SHA-256");
        sha512.update("ratchet/read/v1".getBytes(UTF_8));
        sha512.update((byte) 0);
        sha512.update(nodeId);
        sha512.update(nonce);
        sha512.update(sha256.digest(REQUEST));
        sha512.update(sha256.digest(RESPONSE));
        byte[] digest = SignedRead.digest(nodeId, nonce, REQUEST, RESPONSE);
        assertArrayEquals(sha512.digest(), digest);
        assertEquals(IdentityBinding.REPORT_DATA_BYTES, digest.length);
    }

    private void assertSignatureRefused(PublicKey key, byte[] nonce, byte[] request, byte[] response) {
        assertRefused(Refusal.SIGNATURE, () -> {
            SignedRead.verify(key, nonce, request, response, signature);
            return null;
        });
    }
}
