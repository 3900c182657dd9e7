package dev.ratchet.attestation.sevsnp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import dev.ratchet.attestation.VerifiedClaims;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SevSnpVerifierTest {
    private static final Instant AT = SnpVectors.VALID_AT;
    private static final HexFormat HEX = HexFormat.of();

    private final SevSnpVerifier verifier = new SevSnpVerifier();

    @Test
    void platformIsSevSnp() {
        assertEquals(TeePlatform.SEV_SNP, verifier.platform());
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void genuineVectorVerifiesWithFullChain(SnpVectors vector) throws AttestationException {
        VerifiedClaims claims = verifier.verify(vector.evidence(), AT);

        assertEquals(TeePlatform.SEV_SNP, claims.platform());
        assertEquals(vector.measurementHex, claims.measurementHex());
        assertArrayEquals(java.util.Arrays.copyOfRange(vector.report(), 0x50, 0x90), claims.reportData());
        assertEquals(vector.debug, claims.debug());
        assertEquals(
                Map.of("bl", vector.tcb[0], "tee", vector.tcb[1], "snp", vector.tcb[2], "ucode", vector.tcb[3]),
                claims.tcb());
        assertEquals(vector.product, claims.details().get("product"));
        assertEquals(Integer.toString(vector.version), claims.details().get("version"));
        assertEquals(vector.signingKey, claims.details().get("signingKey"));
        assertEquals(Integer.toString(vector.vmpl), claims.details().get("vmpl"));
        assertEquals("false", claims.details().get("migrateMa"));
        assertEquals(
                HEX.formatHex(java.util.Arrays.copyOfRange(vector.report(), 0xC0, 0xE0)),
                claims.details().get("hostData"));
        assertEquals(
                HEX.formatHex(java.util.Arrays.copyOfRange(vector.report(), 0x1A0, 0x1E0)),
                claims.details().get("chipId"));
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void genuineVectorVerifiesWithShippedIntermediates(SnpVectors vector) throws AttestationException {
        // Evidence from a guest may carry only its VCEK/VLEK; the ASK/ASVK come from the library.
        verifier.verify(SnpVectors.evidence(vector.report(), List.of(vector.leafDer())), AT);
        verifier.verify(SnpVectors.evidence(vector.report(), List.of(vector.leafDer(), vector.intermediateDer())), AT);
        verifier.verify(SnpVectors.evidence(vector.report(), List.of(vector.leafDer(), vector.arkDer())), AT);
    }

    @Test
    void trusteeV2ReportIsCheckedAgainstReportedTcbNotCurrentTcb() throws AttestationException {
        byte[] report = SnpVectors.TRUSTEE_V2.report();
        // CURRENT_TCB's ucode (0xce) is newer than the TCB the VCEK was issued for (0x73).
        assertEquals(0xce, report[0x38 + 7] & 0xFF);
        assertEquals(0x73, report[0x180 + 7] & 0xFF);

        VerifiedClaims claims = verifier.verify(SnpVectors.TRUSTEE_V2.evidence(), AT);

        assertEquals(0x73, claims.tcb().get("ucode"));
    }

    @Test
    void vlekVectorReportsVmplOneAndVlek() throws AttestationException {
        VerifiedClaims claims = verifier.verify(SnpVectors.TRUSTEE_VLEK.evidence(), AT);

        assertEquals("1", claims.details().get("vmpl"));
        assertEquals("vlek", claims.details().get("signingKey"));
        assertEquals("0".repeat(128), claims.details().get("chipId"));
    }

    @Test
    void goSevGuestVectorClaimsDebug() throws AttestationException {
        VerifiedClaims claims = verifier.verify(SnpVectors.GO_SEV_GUEST.evidence(), AT);

        assertTrue(claims.debug());
        assertEquals("0xb0000", claims.details().get("policy"));
        assertEquals("0102030405" + "00".repeat(59), HEX.formatHex(claims.reportData()));
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void flippedMeasurementIsSignatureFailure(SnpVectors vector) {
        assertRefused(Refusal.SIGNATURE, flipped(vector, 0x90));
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void flippedReportDataIsSignatureFailure(SnpVectors vector) {
        assertRefused(Refusal.SIGNATURE, flipped(vector, 0x50 + 63));
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void flippedReportedTcbIsSignatureFailure(SnpVectors vector) {
        // Signature comes before the SPL comparison, so a tampered TCB never reaches it.
        assertRefused(Refusal.SIGNATURE, flipped(vector, 0x180 + 7));
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void flippedSignatureRIsSignatureFailure(SnpVectors vector) {
        assertRefused(Refusal.SIGNATURE, flipped(vector, 0x2A0));
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void flippedSignatureSIsSignatureFailure(SnpVectors vector) {
        assertRefused(Refusal.SIGNATURE, flipped(vector, 0x2E8 + 10));
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void nonZeroSignaturePaddingIsSignatureFailure(SnpVectors vector) {
        // R and S are 48-byte numbers zero-padded to 72 bytes; padding makes them >= n.
        assertRefused(Refusal.SIGNATURE, flipped(vector, 0x2A0 + 71));
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void flippedByteInLeafSignatureIsChainFailure(SnpVectors vector) {
        byte[] leaf = vector.leafDer();
        leaf[leaf.length - 1] ^= 0x01; // the last byte belongs to the certificate's signature value
        Evidence evidence =
                SnpVectors.evidence(vector.report(), List.of(leaf, vector.intermediateDer(), vector.arkDer()));

        assertRefused(Refusal.CHAIN, evidence);
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void flippedByteInIntermediateSignatureIsChainFailure(SnpVectors vector) {
        byte[] intermediate = vector.intermediateDer();
        intermediate[intermediate.length - 1] ^= 0x01;
        Evidence evidence =
                SnpVectors.evidence(vector.report(), List.of(vector.leafDer(), intermediate, vector.arkDer()));

        assertRefused(Refusal.CHAIN, evidence);
    }

    @Test
    void genuineVcekOfAnotherMilanChipIsSignatureFailure() {
        // The swapped-in VCEK chains fine to ARK-Milan; only the report signature exposes it.
        assertRefused(Refusal.SIGNATURE, withLeaf(SnpVectors.VIRTEE, SnpVectors.GO_SEV_GUEST.leafDer()));
        assertRefused(Refusal.SIGNATURE, withLeaf(SnpVectors.GO_SEV_GUEST, SnpVectors.VIRTEE.leafDer()));
        assertRefused(Refusal.SIGNATURE, withLeaf(SnpVectors.TRUSTEE_V2, SnpVectors.VIRTEE.leafDer()));
        assertRefused(Refusal.SIGNATURE, withLeaf(SnpVectors.CCF_MILAN, SnpVectors.TRUSTEE_V2.leafDer()));
    }

    @Test
    void vcekForAVlekSignedReportIsChainFailure() {
        // KEY_INFO says VLEK; a VCEK (and its ASK) cannot stand in for it.
        Evidence evidence = SnpVectors.evidence(
                SnpVectors.TRUSTEE_VLEK.report(),
                List.of(SnpVectors.VIRTEE.leafDer(), SnpVectors.VIRTEE.intermediateDer()));

        assertRefused(Refusal.CHAIN, evidence, "KEY_INFO");
    }

    @Test
    void milanVcekForAGenoaReportIsChainFailure() {
        assertRefused(Refusal.CHAIN, withLeaf(SnpVectors.CCF_GENOA, SnpVectors.CCF_MILAN.leafDer()), "CPUID");
    }

    @Test
    void vlekWithAskInsteadOfAsvkIsRefused() {
        // The VLEK's issuer is the ASVK; the ASK is a valid AMD CA but the wrong one.
        Evidence evidence = SnpVectors.evidence(
                SnpVectors.TRUSTEE_VLEK.report(),
                List.of(SnpVectors.TRUSTEE_VLEK.leafDer(), SnpVectors.VIRTEE.intermediateDer()));

        assertRefused(Refusal.CHAIN, evidence, "SEV-VLEK-Milan");
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void arkOfAnotherProductIsWrongRoot(SnpVectors vector) {
        byte[] otherArk = vector == SnpVectors.CCF_GENOA
                ? SnpVectors.certificates("ask_ark_milan.pem").get(1)
                : SnpVectors.certificates("ask_ark_genoa.pem").get(1);
        Evidence evidence =
                SnpVectors.evidence(vector.report(), List.of(vector.leafDer(), vector.intermediateDer(), otherArk));

        assertRefused(Refusal.WRONG_ROOT, evidence, "ARK-");
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void turinArkIsWrongRoot(SnpVectors vector) {
        byte[] turinArk = SnpVectors.certificates("ask_ark_turin_vcek.pem").get(1);
        Evidence evidence =
                SnpVectors.evidence(vector.report(), List.of(vector.leafDer(), vector.intermediateDer(), turinArk));

        assertRefused(Refusal.WRONG_ROOT, evidence, "ARK-Turin");
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void selfMadeRootIsWrongRoot(SnpVectors vector) throws Exception {
        byte[] fakeArk = selfSignedRsaRoot("CN=ARK-" + vector.product + ", O=Advanced Micro Devices");
        Evidence evidence =
                SnpVectors.evidence(vector.report(), List.of(vector.leafDer(), vector.intermediateDer(), fakeArk));

        assertRefused(Refusal.WRONG_ROOT, evidence, "not a pinned AMD ARK");
    }

    @Test
    void intermediateOfAnotherProductIsWrongRoot() {
        // A Genoa ASK with no ARK: it was issued by ARK-Genoa, not the Milan root the report needs.
        Evidence evidence = SnpVectors.evidence(
                SnpVectors.VIRTEE.report(),
                List.of(SnpVectors.VIRTEE.leafDer(), SnpVectors.CCF_GENOA.intermediateDer()));

        assertRefused(Refusal.WRONG_ROOT, evidence, "ARK-Genoa");
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void everyChainIsExpiredIn2035(SnpVectors vector) {
        assertRefused(Refusal.EXPIRED, vector.evidence(), Instant.parse("2035-01-01T00:00:00Z"), "valid");
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void everyChainIsNotYetValidIn2020(SnpVectors vector) {
        assertRefused(Refusal.EXPIRED, vector.evidence(), Instant.parse("2020-01-01T00:00:00Z"), "valid");
    }

    @Test
    void vlekIsExpiredAtTheCurrentDate() {
        // The AWS VLEK is valid 2024-12-10 .. 2025-12-10 only.
        assertRefused(
                Refusal.EXPIRED, SnpVectors.TRUSTEE_VLEK.evidence(), Instant.parse("2026-11-22T00:00:00Z"), "SEV-VLEK");
    }

    @Test
    void invalidTrusteeVcekCertificatesFailTheChain() {
        for (String file : List.of("trustee-vcek-invalid-legacy.der", "trustee-vcek-invalid-new.der")) {
            byte[] leaf = SnpVectors.resource(file);
            assertRefused(Refusal.CHAIN, withLeaf(SnpVectors.TRUSTEE_V2, leaf), "does not verify");
        }
    }

    @Test
    void emptyReportIsNoEvidence() {
        assertRefused(Refusal.NO_EVIDENCE, SnpVectors.evidence(new byte[0], List.of(SnpVectors.VIRTEE.leafDer())));
    }

    @Test
    void reportsOfTheWrongSizeAreMalformed() {
        byte[] genuine = SnpVectors.VIRTEE.report();
        for (int size : new int[] {1, 1183, 1185, 1 << 20}) {
            byte[] report = java.util.Arrays.copyOf(genuine, size);
            assertRefused(Refusal.MALFORMED, SnpVectors.evidence(report, List.of(SnpVectors.VIRTEE.leafDer())));
        }
    }

    @Test
    void randomBytesAreMalformed() {
        Random random = new Random(42);
        for (int i = 0; i < 20; i++) {
            byte[] report = new byte[SnpReport.REPORT_BYTES];
            random.nextBytes(report);
            assertRefused(Refusal.MALFORMED, SnpVectors.evidence(report, List.of(SnpVectors.VIRTEE.leafDer())));
        }
    }

    @Test
    void unknownVersionsAreMalformed() {
        for (int version : new int[] {0, 1, 6, 0xFF, -1}) {
            byte[] report = SnpVectors.VIRTEE.report();
            putLe32(report, 0x000, version);
            assertRefused(
                    Refusal.MALFORMED, SnpVectors.evidence(report, List.of(SnpVectors.VIRTEE.leafDer())), "version");
        }
    }

    @Test
    void unknownSignatureAlgorithmIsMalformed() {
        byte[] report = SnpVectors.VIRTEE.report();
        putLe32(report, 0x034, 2);
        assertRefused(
                Refusal.MALFORMED, SnpVectors.evidence(report, List.of(SnpVectors.VIRTEE.leafDer())), "SIGNATURE_ALGO");
    }

    @Test
    void emptyEndorsementsAreAChainFailure() {
        assertRefused(Refusal.CHAIN, SnpVectors.evidence(SnpVectors.VIRTEE.report(), List.of()), "no VCEK");
    }

    @Test
    void garbageEndorsementIsMalformed() {
        Random random = new Random(7);
        byte[] garbage = new byte[1300];
        random.nextBytes(garbage);
        assertRefused(Refusal.MALFORMED, SnpVectors.evidence(SnpVectors.VIRTEE.report(), List.of(garbage)));
        assertRefused(Refusal.MALFORMED, SnpVectors.evidence(SnpVectors.VIRTEE.report(), List.of(new byte[0])));
        assertRefused(
                Refusal.MALFORMED,
                SnpVectors.evidence(
                        SnpVectors.VIRTEE.report(),
                        List.of(SnpVectors.VIRTEE.leafDer(), new byte[] {0x30, 0x03, 1, 2, 3})));
    }

    @Test
    void pemOrPaddedEndorsementIsMalformed() {
        byte[] der = SnpVectors.VIRTEE.leafDer();
        byte[] padded = java.util.Arrays.copyOf(der, der.length + 1);
        String pem = "-----BEGIN CERTIFICATE-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(der) + "\n-----END CERTIFICATE-----\n";
        assertRefused(Refusal.MALFORMED, SnpVectors.evidence(SnpVectors.VIRTEE.report(), List.of(padded)));
        assertRefused(
                Refusal.MALFORMED,
                SnpVectors.evidence(SnpVectors.VIRTEE.report(), List.of(pem.getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void tooManyEndorsementsAreMalformed() {
        List<byte[]> endorsements = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            endorsements.add(SnpVectors.VIRTEE.leafDer());
        }
        assertRefused(Refusal.MALFORMED, SnpVectors.evidence(SnpVectors.VIRTEE.report(), endorsements));
    }

    @Test
    void leafThatIsNotAVcekOrVlekIsAChainFailure() {
        Evidence evidence = SnpVectors.evidence(
                SnpVectors.VIRTEE.report(), List.of(SnpVectors.VIRTEE.intermediateDer(), SnpVectors.VIRTEE.arkDer()));

        assertRefused(Refusal.CHAIN, evidence, "SEV-Milan");
    }

    @Test
    void endorsementsOutOfOrderAreAChainFailure() {
        SnpVectors vector = SnpVectors.VIRTEE;
        assertRefused(
                Refusal.CHAIN,
                SnpVectors.evidence(
                        vector.report(), List.of(vector.leafDer(), vector.arkDer(), vector.intermediateDer())),
                "out of place");
        assertRefused(
                Refusal.CHAIN,
                SnpVectors.evidence(
                        vector.report(),
                        List.of(vector.leafDer(), vector.intermediateDer(), vector.intermediateDer(), vector.arkDer())),
                "out of place");
    }

    @Test
    void evidenceOfAnotherPlatformIsUnsupported() {
        Evidence evidence = new Evidence(
                TeePlatform.TDX, Role.CACHE, SnpVectors.VIRTEE.report(), List.of(SnpVectors.VIRTEE.leafDer()));

        assertRefused(Refusal.UNSUPPORTED_PLATFORM, evidence);
    }

    @Test
    void nullEvidenceIsNoEvidence() {
        AttestationException e = assertThrows(AttestationException.class, () -> verifier.verify(null, AT));
        assertEquals(Refusal.NO_EVIDENCE, e.refusal());
    }

    @Test
    void tcbLayoutsFollowTheProduct() {
        byte[] tcb = {1, 2, 3, 4, 5, 6, 7, 8};
        assertEquals(
                Map.of("bl", 1, "tee", 2, "snp", 7, "ucode", 8), SevSnpVerifier.tcbComponents(SnpProduct.MILAN, tcb));
        assertEquals(
                Map.of("bl", 1, "tee", 2, "snp", 7, "ucode", 8), SevSnpVerifier.tcbComponents(SnpProduct.GENOA, tcb));
        assertEquals(
                Map.of("fmc", 1, "bl", 2, "tee", 3, "snp", 4, "ucode", 8),
                SevSnpVerifier.tcbComponents(SnpProduct.TURIN, tcb));
    }

    private Evidence flipped(SnpVectors vector, int offset) {
        byte[] report = vector.report();
        report[offset] ^= 0x01;
        return SnpVectors.evidence(report, List.of(vector.leafDer(), vector.intermediateDer(), vector.arkDer()));
    }

    private static Evidence withLeaf(SnpVectors vector, byte[] leaf) {
        return SnpVectors.evidence(vector.report(), List.of(leaf, vector.intermediateDer(), vector.arkDer()));
    }

    private void assertRefused(Refusal expected, Evidence evidence) {
        assertRefused(expected, evidence, AT, "");
    }

    private void assertRefused(Refusal expected, Evidence evidence, String detailFragment) {
        assertRefused(expected, evidence, AT, detailFragment);
    }

    private void assertRefused(Refusal expected, Evidence evidence, Instant now, String detailFragment) {
        AttestationException e = assertThrows(AttestationException.class, () -> verifier.verify(evidence, now));
        assertEquals(expected, e.refusal(), e.getMessage());
        assertTrue(e.getMessage().contains(detailFragment), e.getMessage());
        assertFalse(e.getMessage().contains(SevSnpVerifier.INTERNAL_ERROR), e.getMessage());
    }

    private static void putLe32(byte[] bytes, int offset, int value) {
        for (int i = 0; i < 4; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    /** Returns a self-signed RSA CA certificate with an AMD-looking name but a key we hold. */
    static byte[] selfSignedRsaRoot(String subject) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keyPair = generator.generateKeyPair();
        X500Principal name = new X500Principal(subject);
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                name,
                BigInteger.ONE,
                Date.from(Instant.parse("2020-01-01T00:00:00Z")),
                Date.from(Instant.parse("2045-01-01T00:00:00Z")),
                name,
                keyPair.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        return builder.build(new JcaContentSignerBuilder("SHA384withRSA").build(keyPair.getPrivate()))
                .getEncoded();
    }
}
