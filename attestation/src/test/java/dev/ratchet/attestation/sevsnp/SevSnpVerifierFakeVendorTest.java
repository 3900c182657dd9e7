package dev.ratchet.attestation.sevsnp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.VerifiedClaims;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.DEROctetString;
import org.junit.jupiter.api.Test;

/** Checks that run after the report signature, exercised with reports signed by {@link FakeAmd}. */
class SevSnpVerifierFakeVendorTest {
    private static final Instant AT = Instant.parse("2025-06-01T00:00:00Z");

    /** Milan layout: bl=3, tee=0, snp=8, ucode=0x73. */
    private static final byte[] MILAN_TCB = {3, 0, 0, 0, 0, 0, 8, 0x73};

    private static final Map<String, Integer> MILAN_SPLS = Map.of("bl", 3, "tee", 0, "snp", 8, "ucode", 0x73);

    /** Turin layout: fmc=1, bl=2, tee=3, snp=4, ucode=0x55. */
    private static final byte[] TURIN_TCB = {1, 2, 3, 4, 0, 0, 0, 0x55};

    private static final Map<String, Integer> TURIN_SPLS = Map.of("fmc", 1, "bl", 2, "tee", 3, "snp", 4, "ucode", 0x55);

    private final SevSnpVerifier verifier = new SevSnpVerifier(FakeAmd.roots());

    @Test
    void wellFormedFakeMilanReportVerifies() throws Exception {
        byte[] chipId = chipId();
        FakeAmd.Leaf vcek =
                FakeAmd.of(SnpProduct.MILAN).leaf(false, FakeAmd.extensions("Milan-B0", MILAN_SPLS, chipId));
        byte[] report = new FakeAmd.Report(2)
                .tcb(MILAN_TCB)
                .chipId(chipId)
                .signedBy(vcek.keys().getPrivate());

        VerifiedClaims claims = verifier.verify(FakeAmd.evidence(report, vcek), AT);

        assertEquals(MILAN_SPLS, claims.tcb());
        assertEquals("Milan", claims.details().get("product"));
    }

    @Test
    void fakeHierarchyIsNotTrustedByTheDefaultVerifier() throws Exception {
        FakeAmd fake = FakeAmd.of(SnpProduct.MILAN);
        FakeAmd.Leaf vcek = fake.leaf(false, FakeAmd.extensions("Milan-B0", MILAN_SPLS, chipId()));
        byte[] report = new FakeAmd.Report(2)
                .tcb(MILAN_TCB)
                .chipId(chipId())
                .signedBy(vcek.keys().getPrivate());
        Evidence withRoot =
                SnpVectors.evidence(report, List.of(vcek.der(), fake.ask.getEncoded(), fake.ark.getEncoded()));
        Evidence withoutRoot = SnpVectors.evidence(report, List.of(vcek.der(), fake.ask.getEncoded()));

        assertRefused(new SevSnpVerifier(), Refusal.WRONG_ROOT, withRoot, "not a pinned AMD ARK");
        // The fake ASK names "ARK-Milan, O=Fake AMD" as issuer, which is not AMD's ARK-Milan.
        assertRefused(new SevSnpVerifier(), Refusal.WRONG_ROOT, withoutRoot, "not ARK-Milan");
    }

    @Test
    void splThatDiffersFromReportedTcbIsAChainFailure() throws Exception {
        Map<String, Integer> spls = new HashMap<>(MILAN_SPLS);
        spls.put("snp", 7);
        FakeAmd.Leaf vcek = FakeAmd.of(SnpProduct.MILAN).leaf(false, FakeAmd.extensions("Milan-B0", spls, chipId()));
        byte[] report = new FakeAmd.Report(2)
                .tcb(MILAN_TCB)
                .chipId(chipId())
                .signedBy(vcek.keys().getPrivate());

        assertRefused(Refusal.CHAIN, FakeAmd.evidence(report, vcek), "snpSPL 7");
    }

    @Test
    void missingSplIsAChainFailure() throws Exception {
        Map<String, Integer> spls = new HashMap<>(MILAN_SPLS);
        spls.remove("ucode");
        FakeAmd.Leaf vcek = FakeAmd.of(SnpProduct.MILAN).leaf(false, FakeAmd.extensions("Milan-B0", spls, chipId()));
        byte[] report = new FakeAmd.Report(2)
                .tcb(MILAN_TCB)
                .chipId(chipId())
                .signedBy(vcek.keys().getPrivate());

        assertRefused(Refusal.CHAIN, FakeAmd.evidence(report, vcek), "ucodeSPL");
    }

    @Test
    void splsAreComparedWithReportedTcbNotCurrentTcb() throws Exception {
        FakeAmd.Leaf vcek =
                FakeAmd.of(SnpProduct.MILAN).leaf(false, FakeAmd.extensions("Milan-B0", MILAN_SPLS, chipId()));
        FakeAmd.Report report = new FakeAmd.Report(2).tcb(MILAN_TCB).chipId(chipId());
        report.bytes[0x038 + 7] = (byte) 0xCE; // a newer CURRENT_TCB microcode

        VerifiedClaims claims =
                verifier.verify(FakeAmd.evidence(report.signedBy(vcek.keys().getPrivate()), vcek), AT);

        assertEquals(0x73, claims.tcb().get("ucode"));
    }

    @Test
    void hwIdOfAnotherChipIsAChainFailure() throws Exception {
        byte[] otherChip = chipId();
        otherChip[63] ^= 1;
        FakeAmd.Leaf vcek =
                FakeAmd.of(SnpProduct.MILAN).leaf(false, FakeAmd.extensions("Milan-B0", MILAN_SPLS, otherChip));
        byte[] report = new FakeAmd.Report(2)
                .tcb(MILAN_TCB)
                .chipId(chipId())
                .signedBy(vcek.keys().getPrivate());

        assertRefused(Refusal.CHAIN, FakeAmd.evidence(report, vcek), "hwID");
    }

    @Test
    void wrappedHwIdMatchesToo() throws Exception {
        byte[] wrapped = new DEROctetString(chipId()).getEncoded();
        FakeAmd.Leaf vcek =
                FakeAmd.of(SnpProduct.MILAN).leaf(false, FakeAmd.extensions("Milan-B0", MILAN_SPLS, wrapped));
        byte[] report = new FakeAmd.Report(2)
                .tcb(MILAN_TCB)
                .chipId(chipId())
                .signedBy(vcek.keys().getPrivate());

        verifier.verify(FakeAmd.evidence(report, vcek), AT);
    }

    @Test
    void maskedChipIdSkipsTheHwIdComparison() throws Exception {
        FakeAmd.Leaf vcek =
                FakeAmd.of(SnpProduct.MILAN).leaf(false, FakeAmd.extensions("Milan-B0", MILAN_SPLS, chipId()));
        byte[] report = new FakeAmd.Report(2)
                .tcb(MILAN_TCB)
                .keyInfo(0x2)
                .signedBy(vcek.keys().getPrivate());

        VerifiedClaims claims = verifier.verify(FakeAmd.evidence(report, vcek), AT);

        assertEquals("0".repeat(128), claims.details().get("chipId"));
    }

    @Test
    void vcekWithoutHwIdIsAChainFailure() throws Exception {
        FakeAmd.Leaf vcek = FakeAmd.of(SnpProduct.MILAN).leaf(false, FakeAmd.extensions("Milan-B0", MILAN_SPLS, null));
        byte[] report = new FakeAmd.Report(2)
                .tcb(MILAN_TCB)
                .chipId(chipId())
                .signedBy(vcek.keys().getPrivate());

        assertRefused(Refusal.CHAIN, FakeAmd.evidence(report, vcek), "hwID");
    }

    @Test
    void hostRequestedVmplIsAPlatformPolicyFailure() throws Exception {
        FakeAmd.Leaf vcek =
                FakeAmd.of(SnpProduct.MILAN).leaf(false, FakeAmd.extensions("Milan-B0", MILAN_SPLS, chipId()));
        byte[] report = new FakeAmd.Report(2)
                .tcb(MILAN_TCB)
                .chipId(chipId())
                .vmpl(SnpReport.VMPL_HOST_REQUESTED)
                .signedBy(vcek.keys().getPrivate());

        assertRefused(Refusal.PLATFORM_POLICY, FakeAmd.evidence(report, vcek), "VMPL");
    }

    @Test
    void unsignedReportIsASignatureFailure() throws Exception {
        FakeAmd.Leaf vcek =
                FakeAmd.of(SnpProduct.MILAN).leaf(false, FakeAmd.extensions("Milan-B0", MILAN_SPLS, chipId()));
        byte[] report = new FakeAmd.Report(2)
                .tcb(MILAN_TCB)
                .chipId(chipId())
                .keyInfo(7 << 2)
                .signedBy(vcek.keys().getPrivate());

        assertRefused(Refusal.SIGNATURE, FakeAmd.evidence(report, vcek), "unsigned");
    }

    @Test
    void vlekReportVerifiesThroughTheShippedAsvk() throws Exception {
        FakeAmd.Leaf vlek = FakeAmd.of(SnpProduct.GENOA).leaf(true, FakeAmd.extensions("Genoa", MILAN_SPLS, null));
        byte[] report = new FakeAmd.Report(3)
                .tcb(MILAN_TCB)
                .cpuid(0x19, 0x11, 0x01)
                .keyInfo(1 << 2)
                .vmpl(2)
                .signedBy(vlek.keys().getPrivate());

        VerifiedClaims claims = verifier.verify(FakeAmd.evidence(report, vlek), AT);

        assertEquals("vlek", claims.details().get("signingKey"));
        assertEquals("Genoa", claims.details().get("product"));
        assertEquals("2", claims.details().get("vmpl"));
    }

    @Test
    void turinReportUsesTheTurinTcbLayoutAndEightByteHwId() throws Exception {
        byte[] chipId = Arrays.copyOf(chipId(), 8);
        FakeAmd.Leaf vcek = FakeAmd.of(SnpProduct.TURIN).leaf(false, FakeAmd.extensions("Turin", TURIN_SPLS, chipId));
        byte[] report = new FakeAmd.Report(3)
                .tcb(TURIN_TCB)
                .cpuid(0x1A, 0x02, 0x01)
                .chipId(chipId)
                .signedBy(vcek.keys().getPrivate());

        VerifiedClaims claims = verifier.verify(FakeAmd.evidence(report, vcek), AT);

        assertEquals(TURIN_SPLS, claims.tcb());
        assertEquals("Turin", claims.details().get("product"));
    }

    @Test
    void turinFmcSplMismatchIsAChainFailure() throws Exception {
        Map<String, Integer> spls = new HashMap<>(TURIN_SPLS);
        spls.put("fmc", 9);
        byte[] chipId = Arrays.copyOf(chipId(), 8);
        FakeAmd.Leaf vcek = FakeAmd.of(SnpProduct.TURIN).leaf(false, FakeAmd.extensions("Turin", spls, chipId));
        byte[] report = new FakeAmd.Report(3)
                .tcb(TURIN_TCB)
                .cpuid(0x1A, 0x02, 0x01)
                .chipId(chipId)
                .signedBy(vcek.keys().getPrivate());

        assertRefused(Refusal.CHAIN, FakeAmd.evidence(report, vcek), "fmcSPL 9");
    }

    @Test
    void unknownCpuidIsUnsupported() throws Exception {
        FakeAmd.Leaf vcek =
                FakeAmd.of(SnpProduct.MILAN).leaf(false, FakeAmd.extensions("Milan-B0", MILAN_SPLS, chipId()));
        byte[] report = new FakeAmd.Report(3)
                .tcb(MILAN_TCB)
                .cpuid(0x17, 0x31, 0x00) // Rome: SEV-ES only, no SNP
                .chipId(chipId())
                .signedBy(vcek.keys().getPrivate());

        assertRefused(Refusal.UNSUPPORTED_PLATFORM, FakeAmd.evidence(report, vcek), "CPUID family 0x17");
    }

    @Test
    void versionTwoReportWithoutProductNameIsAChainFailure() throws Exception {
        Map<String, byte[]> extensions = FakeAmd.extensions("Milan-B0", MILAN_SPLS, chipId());
        extensions.remove(VcekExtensions.OID_PRODUCT_NAME);
        FakeAmd.Leaf vcek = FakeAmd.of(SnpProduct.MILAN).leaf(false, extensions);
        byte[] report = new FakeAmd.Report(2)
                .tcb(MILAN_TCB)
                .chipId(chipId())
                .signedBy(vcek.keys().getPrivate());

        assertRefused(Refusal.CHAIN, FakeAmd.evidence(report, vcek), "no product");
    }

    @Test
    void unknownProductNameIsUnsupported() throws Exception {
        FakeAmd.Leaf vcek =
                FakeAmd.of(SnpProduct.MILAN).leaf(false, FakeAmd.extensions("Rome-B0", MILAN_SPLS, chipId()));
        byte[] report = new FakeAmd.Report(2)
                .tcb(MILAN_TCB)
                .chipId(chipId())
                .signedBy(vcek.keys().getPrivate());

        assertRefused(Refusal.UNSUPPORTED_PLATFORM, FakeAmd.evidence(report, vcek), "Rome-B0");
    }

    @Test
    void expiredFakeVcekIsExpired() throws Exception {
        FakeAmd.Leaf vcek =
                FakeAmd.of(SnpProduct.MILAN).leaf(false, FakeAmd.extensions("Milan-B0", MILAN_SPLS, chipId()));
        byte[] report = new FakeAmd.Report(2)
                .tcb(MILAN_TCB)
                .chipId(chipId())
                .signedBy(vcek.keys().getPrivate());

        AttestationException e = assertThrows(
                AttestationException.class,
                () -> verifier.verify(FakeAmd.evidence(report, vcek), FakeAmd.NOT_AFTER.plusSeconds(1)));
        assertEquals(Refusal.EXPIRED, e.refusal());
    }

    private void assertRefused(Refusal expected, Evidence evidence, String detailFragment) {
        assertRefused(verifier, expected, evidence, detailFragment);
    }

    private static void assertRefused(
            SevSnpVerifier verifier, Refusal expected, Evidence evidence, String detailFragment) {
        AttestationException e = assertThrows(AttestationException.class, () -> verifier.verify(evidence, AT));
        assertEquals(expected, e.refusal(), e.getMessage());
        assertTrue(e.getMessage().contains(detailFragment), e.getMessage());
    }

    private static byte[] chipId() {
        byte[] id = new byte[SnpReport.CHIP_ID_BYTES];
        for (int i = 0; i < id.length; i++) {
            id[i] = (byte) (0x11 * (i % 15) + 1);
        }
        return id;
    }
}
