package dev.ratchet.attestation.sevsnp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Refusal;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class SnpReportTest {
    private static final HexFormat HEX = HexFormat.of();

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void everyGenuineVectorParses(SnpVectors vector) throws AttestationException {
        byte[] raw = vector.report();
        SnpReport report = SnpReport.parse(raw);

        assertEquals(vector.version, report.version());
        assertEquals(1, report.signatureAlgo());
        assertEquals(vector.vmpl, report.vmpl());
        assertEquals(vector.debug, report.debugAllowed());
        assertFalse(report.migrateMaAllowed());
        assertEquals(vector.measurementHex, HEX.formatHex(report.measurement()));
        assertArrayEquals(Arrays.copyOfRange(raw, 0x50, 0x90), report.reportData());
        assertArrayEquals(Arrays.copyOfRange(raw, 0xC0, 0xE0), report.hostData());
        assertArrayEquals(Arrays.copyOfRange(raw, 0x180, 0x188), report.reportedTcb());
        assertArrayEquals(Arrays.copyOfRange(raw, 0x38, 0x40), report.currentTcb());
        assertArrayEquals(Arrays.copyOfRange(raw, 0x1A0, 0x1E0), report.chipId());
        assertArrayEquals(Arrays.copyOfRange(raw, 0, 0x2A0), report.signedBytes());
        assertArrayEquals(Arrays.copyOfRange(raw, 0x2A0, 0x2E8), report.signatureR());
        assertArrayEquals(Arrays.copyOfRange(raw, 0x2E8, 0x330), report.signatureS());
        assertEquals(
                vector.signingKey.equals("vlek") ? SnpReport.SigningKey.VLEK : SnpReport.SigningKey.VCEK,
                report.signingKey());
        assertFalse(report.maskChipKey());
    }

    @Test
    void versionThreeReportsCarryCpuid() throws AttestationException {
        SnpReport milan = SnpReport.parse(SnpVectors.CCF_MILAN.report());
        SnpReport genoa = SnpReport.parse(SnpVectors.CCF_GENOA.report());
        SnpReport v2 = SnpReport.parse(SnpVectors.VIRTEE.report());

        assertEquals(0x19, milan.cpuidFamily());
        assertEquals(0x01, milan.cpuidModel());
        assertEquals(0x01, milan.cpuidStepping());
        assertEquals(0x19, genoa.cpuidFamily());
        assertEquals(0x11, genoa.cpuidModel());
        assertEquals(0, v2.cpuidFamily());
    }

    @Test
    void fieldsOfTheGoSevGuestReport() throws AttestationException {
        SnpReport report = SnpReport.parse(SnpVectors.GO_SEV_GUEST.report());

        assertEquals(0xb0000L, report.policy());
        assertEquals(0, report.keyInfo());
        assertEquals("0200000000000544", HEX.formatHex(report.reportedTcb()));
        assertEquals(16, report.familyId().length);
        assertEquals(16, report.imageId().length);
        assertEquals(48, report.idKeyDigest().length);
        assertEquals(48, report.authorKeyDigest().length);
        assertEquals(32, report.reportId().length);
        assertEquals(32, report.reportIdMa().length);
        assertEquals(8, report.committedTcb().length);
        assertEquals(8, report.launchTcb().length);
        assertEquals("1.49.3", report.currentFirmware());
        assertEquals("1.49.3", report.committedFirmware());
    }

    @Test
    void vlekReportHasKeyInfoFour() throws AttestationException {
        SnpReport report = SnpReport.parse(SnpVectors.TRUSTEE_VLEK.report());

        assertEquals(4, report.keyInfo());
        assertEquals(SnpReport.SigningKey.VLEK, report.signingKey());
        assertEquals(1, report.vmpl());
    }

    @Test
    void nullAndEmptyAreNoEvidence() {
        assertEquals(Refusal.NO_EVIDENCE, refusal(null));
        assertEquals(Refusal.NO_EVIDENCE, refusal(new byte[0]));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 0x2A0, 1183, 1185, 4096, 1 << 20})
    void wrongLengthIsMalformed(int length) {
        assertEquals(Refusal.MALFORMED, refusal(Arrays.copyOf(SnpVectors.VIRTEE.report(), length)));
    }

    @ParameterizedTest
    @ValueSource(
            ints = {
                0x04C,
                0x04F, // reserved after KEY_INFO
                0x18B,
                0x19F, // reserved after CPUID
                0x1EB,
                0x1EF, // reserved bytes of the firmware versions
                0x208,
                0x250,
                0x29F, // reserved before the signature
                0x330,
                0x400,
                0x49F // signature area after R and S
            })
    void nonZeroReservedByteIsMalformed(int offset) {
        byte[] report = SnpVectors.CCF_GENOA.report();
        report[offset] = 1;
        AttestationException e = assertThrows(AttestationException.class, () -> SnpReport.parse(report));
        assertEquals(Refusal.MALFORMED, e.refusal());
        assertTrue(e.getMessage().contains("must be zero"), e.getMessage());
    }

    @Test
    void policyWithoutReservedBit17IsMalformed() {
        byte[] report = SnpVectors.VIRTEE.report();
        report[0x008 + 2] &= ~0x02;
        assertEquals(Refusal.MALFORMED, refusal(report));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5, 0x100, 0x7FFFFFFF, 0xFFFFFFFE})
    void impossibleVmplIsMalformed(int vmpl) {
        byte[] report = SnpVectors.VIRTEE.report();
        putLe32(report, 0x030, vmpl);
        assertEquals(Refusal.MALFORMED, refusal(report));
    }

    @Test
    void hostRequestedVmplParses() throws AttestationException {
        byte[] report = SnpVectors.VIRTEE.report();
        putLe32(report, 0x030, 0xFFFFFFFF);
        assertEquals(SnpReport.VMPL_HOST_REQUESTED, SnpReport.parse(report).vmpl());
    }

    @ParameterizedTest
    @ValueSource(ints = {2 << 2, 3 << 2, 6 << 2, 1 << 5, 1 << 31})
    void reservedKeyInfoIsMalformed(int keyInfo) {
        byte[] report = SnpVectors.VIRTEE.report();
        putLe32(report, 0x048, keyInfo);
        assertEquals(Refusal.MALFORMED, refusal(report));
    }

    @Test
    void unsignedKeyInfoParses() throws AttestationException {
        byte[] report = SnpVectors.VIRTEE.report();
        putLe32(report, 0x048, 7 << 2 | 0x2);
        SnpReport parsed = SnpReport.parse(report);
        assertEquals(SnpReport.SigningKey.NONE, parsed.signingKey());
        assertTrue(parsed.maskChipKey());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 6, 7, 0x80000002})
    void unknownVersionIsMalformed(int version) {
        byte[] report = SnpVectors.VIRTEE.report();
        putLe32(report, 0x000, version);
        assertEquals(Refusal.MALFORMED, refusal(report));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, 0x101})
    void unknownSignatureAlgorithmIsMalformed(int algo) {
        byte[] report = SnpVectors.VIRTEE.report();
        putLe32(report, 0x034, algo);
        assertEquals(Refusal.MALFORMED, refusal(report));
    }

    @Test
    void parsingCopiesTheInput() throws AttestationException {
        byte[] raw = SnpVectors.VIRTEE.report();
        SnpReport report = SnpReport.parse(raw);
        raw[0x90] ^= 1;
        assertEquals(SnpVectors.VIRTEE.measurementHex, HEX.formatHex(report.measurement()));
    }

    private static Refusal refusal(byte[] report) {
        return assertThrows(AttestationException.class, () -> SnpReport.parse(report))
                .refusal();
    }

    static void putLe32(byte[] bytes, int offset, int value) {
        for (int i = 0; i < 4; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
    }
}
