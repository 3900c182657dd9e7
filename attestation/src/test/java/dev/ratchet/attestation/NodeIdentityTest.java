package dev.ratchet.attestation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.tls.EvidenceExtension;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a {@link NodeIdentity} is, checked against values computed here independently of the main
 * code: a fresh P-256 key, node id = lowercase hex SHA-256(SPKI DER), and report_data = the
 * domain-separated SHA-512 of role and SPKI (attestation.md §7.2, ARCHITECTURE.md).
 */
class NodeIdentityTest {
    private static final Instant NOW = Instant.parse("2026-11-22T00:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    /** The order n of the NIST P-256 group (FIPS 186-4 D.1.2.3). */
    private static final BigInteger P256_ORDER =
            new BigInteger("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16);

    private final TestClusterCa cluster = new TestClusterCa(CLOCK);

    @Test
    void keyIsEcdsaP256() {
        NodeIdentity identity = cluster.identity(Role.TABLET_STORE);
        ECPublicKey key = (ECPublicKey) identity.publicKey();
        assertEquals("EC", key.getAlgorithm());
        assertEquals(256, key.getParams().getCurve().getField().getFieldSize());
        assertEquals(P256_ORDER, key.getParams().getOrder());
    }

    @Test
    void nodeIdIsLowercaseHexSha256OfSpki() throws Exception {
        NodeIdentity identity = cluster.identity(Role.CACHE);
        byte[] spki = identity.publicKey().getEncoded();
        String expected =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(spki));
        assertEquals(expected, identity.nodeId());
        assertTrue(identity.nodeId().matches("[0-9a-f]{64}"), identity.nodeId());
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void evidenceBindsKeyAndRoleWithTheDomainSeparatedDigest(Role role) throws Exception {
        NodeIdentity identity = cluster.identity(role);
        byte[] spki = identity.publicKey().getEncoded();
        ByteArrayOutputStream preimage = new ByteArrayOutputStream();
        preimage.writeBytes("ratchet/node-identity/v1".getBytes(StandardCharsets.US_ASCII));
        preimage.write(0);
        preimage.writeBytes(role.wireName().getBytes(StandardCharsets.US_ASCII));
        preimage.write(0);
        preimage.writeBytes(spki);
        byte[] expected = MessageDigest.getInstance("SHA-512").digest(preimage.toByteArray());

        assertArrayEquals(expected, IdentityBinding.reportData(role, spki));
        VerifiedClaims claims = cluster.verifier().verifyEvidence(identity.evidence(), expected, NOW);
        assertArrayEquals(expected, claims.reportData());
        assertEquals(role, identity.role());
        assertEquals(role, identity.evidence().role());
    }

    @Test
    void reportDataDiffersByRole() {
        byte[] spki = cluster.identity(Role.SECTOR).publicKey().getEncoded();
        assertFalse(Arrays.equals(
                IdentityBinding.reportData(Role.SECTOR, spki), IdentityBinding.reportData(Role.CACHE, spki)));
    }

    @Test
    void everyIdentityHasAFreshKey() {
        NodeIdentity first = cluster.identity(Role.SECTOR);
        NodeIdentity second = cluster.identity(Role.SECTOR);
        assertNotEquals(first.nodeId(), second.nodeId());
    }

    @Test
    void certificateIsSelfSignedForTheKeyAndCarriesTheEvidence() throws Exception {
        NodeIdentity identity = cluster.identity(Role.CLIENT);
        assertEquals(identity.publicKey(), identity.certificate().getPublicKey());
        identity.certificate().verify(identity.publicKey());
        assertTrue(
                identity.certificate().getSubjectX500Principal().getName().contains("CN=" + identity.nodeId()),
                identity.certificate().getSubjectX500Principal().getName());
        assertArrayEquals(
                identity.evidence().encode(),
                EvidenceExtension.fromCertificate(identity.certificate()).encode());
    }
}
