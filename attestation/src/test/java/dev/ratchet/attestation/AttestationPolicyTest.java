package dev.ratchet.attestation;

import static dev.ratchet.attestation.AttestationVerifierTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttestationPolicyTest {
    private static final byte[] MEASUREMENT = new byte[48];

    private static VerifiedClaims snpClaims(boolean debug, Map<String, Integer> tcb, int vmpl) {
        return new VerifiedClaims(
                TeePlatform.SEV_SNP, MEASUREMENT, new byte[64], debug, tcb, Map.of("vmpl", Integer.toString(vmpl)));
    }

    @Test
    void defaults_refuseEverythingUntilAllowed() {
        AttestationPolicy policy = AttestationPolicy.builder().build();
        assertFalse(policy.simulatedAllowed());
        assertFalse(policy.debugAllowed());
        assertRefused(Refusal.MEASUREMENT, () -> {
            policy.check(snpClaims(false, Map.of(), 0), Role.TABLET_STORE);
            return null;
        });
    }

    @Test
    void measurement_isAllowedPerRole() throws AttestationException {
        AttestationPolicy policy = AttestationPolicy.builder()
                .allowMeasurement(Role.CACHE, MEASUREMENT)
                .build();
        policy.check(snpClaims(false, Map.of(), 0), Role.CACHE);
        assertRefused(Refusal.MEASUREMENT, () -> {
            policy.check(snpClaims(false, Map.of(), 0), Role.TABLET_STORE);
            return null;
        });
    }

    @Test
    void measurementHex_isCaseInsensitive() throws AttestationException {
        AttestationPolicy policy = AttestationPolicy.builder()
                .allowMeasurement(Role.CACHE, "00".repeat(47) + "0A")
                .build();
        byte[] measurement = new byte[48];
        measurement[47] = 0x0a;
        policy.check(
                new VerifiedClaims(
                        TeePlatform.SEV_SNP, measurement, new byte[64], false, Map.of(), Map.of("vmpl", "0")),
                Role.CACHE);
    }

    @Test
    void debug_isRefusedByDefault() {
        AttestationPolicy policy =
                AttestationPolicy.builder().allowAnyMeasurement().build();
        assertRefused(Refusal.DEBUG, () -> {
            policy.check(snpClaims(true, Map.of(), 0), Role.CACHE);
            return null;
        });
    }

    @Test
    void minimumTcb_refusesAnyComponentBelowOrMissing() throws AttestationException {
        AttestationPolicy policy = AttestationPolicy.builder()
                .allowAnyMeasurement()
                .minimumTcb(TeePlatform.SEV_SNP, Map.of("snp", 8, "ucode", 0x73))
                .build();
        policy.check(snpClaims(false, Map.of("snp", 8, "ucode", 0x73, "bl", 3), 0), Role.CACHE);
        policy.check(snpClaims(false, Map.of("snp", 24, "ucode", 0xdb), 0), Role.CACHE);
        assertRefused(Refusal.TCB, () -> {
            policy.check(snpClaims(false, Map.of("snp", 7, "ucode", 0xdb), 0), Role.CACHE);
            return null;
        });
        assertRefused(Refusal.TCB, () -> {
            policy.check(snpClaims(false, Map.of("snp", 8), 0), Role.CACHE);
            return null;
        });
    }

    @Test
    void minimumTcb_ofOnePlatformDoesNotApplyToAnother() throws AttestationException {
        AttestationPolicy policy = AttestationPolicy.builder()
                .allowAnyMeasurement()
                .allowSimulated(true)
                .minimumTcb(TeePlatform.SEV_SNP, Map.of("snp", 8))
                .build();
        policy.check(
                new VerifiedClaims(TeePlatform.SIMULATED, MEASUREMENT, new byte[64], false, Map.of(), Map.of()),
                Role.CACHE);
    }

    @Test
    void snpVmpl_isBoundedByPolicy() throws AttestationException {
        AttestationPolicy lenient =
                AttestationPolicy.builder().allowAnyMeasurement().build();
        lenient.check(snpClaims(false, Map.of(), 3), Role.CACHE);
        AttestationPolicy strict =
                AttestationPolicy.builder().allowAnyMeasurement().snpMaxVmpl(0).build();
        assertRefused(Refusal.PLATFORM_POLICY, () -> {
            strict.check(snpClaims(false, Map.of(), 1), Role.CACHE);
            return null;
        });
    }

    @Test
    void builder_refusesNonsense() {
        assertThrows(
                IllegalArgumentException.class,
                () -> AttestationPolicy.builder().snpMaxVmpl(4));
        assertThrows(
                IllegalArgumentException.class,
                () -> AttestationPolicy.builder().maxEvidenceAge(Duration.ZERO));
        assertThrows(
                IllegalArgumentException.class,
                () -> AttestationPolicy.builder().allowMeasurement(Role.CACHE, "xyz"));
    }
}
