package dev.ratchet.attestation.sevsnp;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ratchet.attestation.AttestationException;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes the parser of the SNP certificate table that configfs-tsm returns in {@code auxblob}.
 *
 * <p>The host fills that table, so it is as hostile as any evidence: only an {@link
 * AttestationException} may come out, and a table that is accepted always yields its leaf. Input
 * layout: the low bit of byte 0 picks the report's signing key (VCEK or VLEK), the rest is the
 * table. The seed is a well-formed table with the virtee VCEK and the Milan ASK and ARK.
 */
class CertificateTableFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void endorsements_neverThrowAnythingButAttestationException(byte[] input) {
        if (input.length == 0) {
            return;
        }
        SnpReport.SigningKey signingKey = (input[0] & 1) == 0 ? SnpReport.SigningKey.VCEK : SnpReport.SigningKey.VLEK;
        byte[] table = Arrays.copyOfRange(input, 1, input.length);
        try {
            List<byte[]> endorsements = ConfigFsTsmProvider.endorsements(signingKey, table);
            assertFalse(endorsements.isEmpty(), "an accepted table must yield the leaf certificate");
        } catch (AttestationException expected) {
            // The only acceptable failure.
        }
    }
}
