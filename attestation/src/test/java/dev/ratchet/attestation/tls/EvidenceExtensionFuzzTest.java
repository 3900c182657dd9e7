package dev.ratchet.attestation.tls;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Evidence;

/**
 * Fuzzes the parsers that read a peer's certificate extension before anything about the peer is
 * known: whatever the bytes, the only way out is a value or an {@link AttestationException}.
 *
 * <p>Any other exception escaping a TLS trust manager is a bug: at best a confusing handshake
 * failure without a refusal reason, at worst (an error thrown past the TLS stack's handling) a
 * crash a hostile peer can trigger at will. Seeds are a valid simulated CMW record and a valid
 * evidence record, in {@code EvidenceExtensionFuzzTestInputs/decode}.
 */
class EvidenceExtensionFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void decode(byte[] input) {
        try {
            EvidenceExtension.decode(input);
        } catch (AttestationException expected) {
            // A refusal with a reason is the correct answer to bad input.
        }
        try {
            Evidence.decode(input);
        } catch (AttestationException expected) {
            // Likewise.
        }
    }
}
