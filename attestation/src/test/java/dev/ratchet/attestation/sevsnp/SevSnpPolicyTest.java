package dev.ratchet.attestation.sevsnp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.AttestationPolicy;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import dev.ratchet.attestation.VerifiedClaims;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The real SEV-SNP vectors through the whole decision path ({@link AttestationVerifier}: verifier,
 * binding and policy), so that the policy-level refusals that name a field (measurement,
 * report_data, debug, TCB, VMPL) are shown on genuine evidence, not only on simulated evidence.
 */
class SevSnpPolicyTest {
    private static final Instant AT = SnpVectors.VALID_AT;
    /** The role {@link SnpVectors#evidence()} states. */
    private static final Role ROLE_OF_VECTORS = Role.TABLET_STORE;

    private static AttestationVerifier verifier(AttestationPolicy policy) {
        return new AttestationVerifier(policy, List.of(new SevSnpVerifier()));
    }

    private static AttestationPolicy.Builder allowing(SnpVectors vector) {
        return AttestationPolicy.builder()
                .allowDebug(vector.debug)
                .allowMeasurement(ROLE_OF_VECTORS, vector.measurementHex);
    }

    private static byte[] reportData(SnpVectors vector) {
        return Arrays.copyOfRange(vector.report(), 0x50, 0x90);
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void allowedMeasurementAndMatchingReportData_isAccepted(SnpVectors vector) throws AttestationException {
        VerifiedClaims claims =
                verifier(allowing(vector).build()).verifyEvidence(vector.evidence(), reportData(vector), AT);
        assertEquals(TeePlatform.SEV_SNP, claims.platform());
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void measurementNotOnTheAllowList_isRefusedAsMeasurement(SnpVectors vector) {
        byte[] other = HexFormat.of().parseHex(vector.measurementHex);
        other[0] ^= 1;
        AttestationPolicy policy = AttestationPolicy.builder()
                .allowDebug(vector.debug)
                .allowMeasurement(ROLE_OF_VECTORS, other)
                .build();
        assertRefused(Refusal.MEASUREMENT, () -> verifier(policy).verifyEvidence(vector.evidence(), null, AT));
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void measurementAllowedOnlyForAnotherRole_isRefusedAsMeasurement(SnpVectors vector) {
        AttestationPolicy policy = AttestationPolicy.builder()
                .allowDebug(vector.debug)
                .allowMeasurement(Role.CACHE, vector.measurementHex)
                .build();
        assertRefused(Refusal.MEASUREMENT, () -> verifier(policy).verifyEvidence(vector.evidence(), null, AT));
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void reportDataOtherThanExpected_isRefusedAsReportData(SnpVectors vector) {
        byte[] expected = reportData(vector);
        expected[63] ^= 1;
        assertRefused(
                Refusal.REPORT_DATA,
                () -> verifier(allowing(vector).build()).verifyEvidence(vector.evidence(), expected, AT));
    }

    @ParameterizedTest
    @EnumSource(SnpVectors.class)
    void tcbBelowThePolicyMinimum_isRefusedAsTcb(SnpVectors vector) {
        AttestationPolicy policy = allowing(vector)
                .minimumTcb(TeePlatform.SEV_SNP, Map.of("snp", vector.tcb[2] + 1))
                .build();
        assertRefused(Refusal.TCB, () -> verifier(policy).verifyEvidence(vector.evidence(), null, AT));
    }

    @ParameterizedTest
    @EnumSource(value = SnpVectors.class, names = "GO_SEV_GUEST")
    void debugGuest_isRefusedAsDebugByDefault(SnpVectors vector) {
        AttestationPolicy policy = AttestationPolicy.builder()
                .allowMeasurement(ROLE_OF_VECTORS, vector.measurementHex)
                .build();
        assertRefused(Refusal.DEBUG, () -> verifier(policy).verifyEvidence(vector.evidence(), null, AT));
    }

    @ParameterizedTest
    @EnumSource(value = SnpVectors.class, names = "TRUSTEE_VLEK")
    void vmplOneGuest_isRefusedWhenPolicyRequiresVmplZero(SnpVectors vector) {
        AttestationPolicy policy = allowing(vector).snpMaxVmpl(0).build();
        assertRefused(Refusal.PLATFORM_POLICY, () -> verifier(policy).verifyEvidence(vector.evidence(), null, AT));
    }

    interface Call {
        Object run() throws AttestationException;
    }

    private static void assertRefused(Refusal expected, Call call) {
        AttestationException e = assertThrows(AttestationException.class, call::run);
        assertEquals(expected, e.refusal(), e.getMessage());
    }
}
