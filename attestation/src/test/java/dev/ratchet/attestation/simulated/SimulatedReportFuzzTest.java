package dev.ratchet.attestation.simulated;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/** Fuzzes the simulated report parser and verifier: only AttestationException may come out. */
class SimulatedReportFuzzTest {
    private static final Instant NOW = Instant.parse("2026-11-22T00:00:00Z");
    private static final SimulatedCa CA = SimulatedCa.create(Clock.fixed(NOW, ZoneOffset.UTC));
    private static final SimulatedVerifier VERIFIER = new SimulatedVerifier(List.of(CA.certificate()));

    @FuzzTest(maxDuration = "10s")
    void verify_neverThrowsAnythingButAttestationException(FuzzedDataProvider data) {
        byte[] report = data.consumeBytes(400);
        byte[] endorsement = data.consumeRemainingAsBytes();
        try {
            VERIFIER.verify(new Evidence(TeePlatform.SIMULATED, Role.CACHE, report, List.of(endorsement)), NOW);
        } catch (AttestationException expected) {
            // The only acceptable failure.
        }
    }
}
