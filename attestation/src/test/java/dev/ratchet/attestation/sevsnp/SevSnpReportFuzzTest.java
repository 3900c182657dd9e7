package dev.ratchet.attestation.sevsnp;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Evidence;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes {@link SevSnpVerifier} with arbitrary report bytes and endorsements: nothing but an
 * {@link AttestationException} may come out, and never the catch-all for internal errors.
 *
 * <p>Input layout, so seeds can be real reports: byte 0 picks how endorsements are formed, the
 * next 1184 bytes (or fewer) are the report, and the rest is a fuzzed certificate. Mixing genuine
 * certificates with fuzzed ones lets the fuzzer reach the signature and binding checks, not just
 * the parsers.
 */
class SevSnpReportFuzzTest {
    private static final SevSnpVerifier VERIFIER = new SevSnpVerifier();
    private static final byte[] VCEK = SnpVectors.VIRTEE.leafDer();
    private static final byte[] ASK = SnpVectors.VIRTEE.intermediateDer();
    private static final byte[] ARK = SnpVectors.VIRTEE.arkDer();

    @FuzzTest(maxDuration = "10s")
    void verifyArbitraryEvidence(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int reportEnd = Math.min(input.length, 1 + SnpReport.REPORT_BYTES);
        byte[] report = Arrays.copyOfRange(input, 1, reportEnd);
        byte[] rest = Arrays.copyOfRange(input, reportEnd, input.length);
        List<byte[]> endorsements = switch (input[0] & 0x3) {
            case 0 -> List.of(VCEK, ASK, ARK);
            case 1 -> List.of(rest);
            case 2 -> List.of(VCEK, rest);
            default -> List.of(rest, ASK);
        };
        Evidence evidence = SnpVectors.evidence(report, endorsements);
        try {
            VERIFIER.verify(evidence, SnpVectors.VALID_AT);
        } catch (AttestationException e) {
            assertFalse(e.getMessage().contains(SevSnpVerifier.INTERNAL_ERROR), e::getMessage);
        }
    }
}
