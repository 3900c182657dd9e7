package dev.ratchet.attestation;

import static dev.ratchet.attestation.AttestationVerifierTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.ratchet.attestation.cbor.CborWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EvidenceTest {
    private final Evidence sample = new Evidence(
            TeePlatform.SEV_SNP, Role.SECTOR, new byte[] {1, 2, 3}, List.of(new byte[] {4}, new byte[] {5, 6}));

    @Test
    void encode_roundTrips() throws AttestationException {
        Evidence decoded = Evidence.decode(sample.encode());
        assertEquals(sample, decoded);
        assertArrayEquals(new byte[] {5, 6}, decoded.endorsements().get(1));
    }

    @Test
    void encode_isDeterministic() {
        assertArrayEquals(sample.encode(), sample.encode());
    }

    @Test
    void record_copiesArraysSoCallersCannotMutateIt() {
        byte[] report = {1, 2, 3};
        Evidence evidence = new Evidence(TeePlatform.SIMULATED, Role.CACHE, report, List.of());
        report[0] = 9;
        evidence.report()[1] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, evidence.report());
    }

    @Test
    void decode_refusesEmptyAsNoEvidence() {
        assertRefused(Refusal.NO_EVIDENCE, () -> Evidence.decode(new byte[0]));
        assertRefused(Refusal.NO_EVIDENCE, () -> Evidence.decode(null));
    }

    @Test
    void decode_refusesOversized() {
        assertRefused(Refusal.MALFORMED, () -> Evidence.decode(new byte[Evidence.ENCODED_BYTES_MAX + 1]));
    }

    @Test
    void decode_refusesEveryTruncation() {
        byte[] encoded = sample.encode();
        for (int length = 1; length < encoded.length; length++) {
            byte[] truncated = Arrays.copyOf(encoded, length);
            assertRefused(Refusal.MALFORMED, () -> Evidence.decode(truncated));
        }
    }

    @Test
    void decode_refusesTrailingBytes() {
        byte[] encoded = Arrays.copyOf(sample.encode(), sample.encode().length + 1);
        assertRefused(Refusal.MALFORMED, () -> Evidence.decode(encoded));
    }

    @Test
    void decode_refusesUnknownVersionPlatformAndRole() {
        assertRefused(Refusal.MALFORMED, () -> Evidence.decode(record(2, "sev-snp", "cache")));
        assertRefused(Refusal.MALFORMED, () -> Evidence.decode(record(1, "sgx", "cache")));
        assertRefused(Refusal.MALFORMED, () -> Evidence.decode(record(1, "sev-snp", "root")));
    }

    @Test
    void decode_refusesRandomBytes() {
        Random random = new Random(42);
        for (int i = 0; i < 1000; i++) {
            byte[] noise = new byte[1 + random.nextInt(200)];
            random.nextBytes(noise);
            if ((noise[0] & 0xff) == 0x85) {
                noise[0] = 0;
            }
            assertRefused(Refusal.MALFORMED, () -> Evidence.decode(noise));
        }
    }

    @Test
    void equals_dependsOnContent() {
        Evidence other = new Evidence(TeePlatform.SEV_SNP, Role.CACHE, new byte[] {1, 2, 3}, List.of());
        assertNotEquals(sample, other);
    }

    private static byte[] record(long version, String platform, String role) {
        return new CborWriter()
                .array(5)
                .uint(version)
                .text(platform)
                .text(role)
                .bytes(new byte[1])
                .array(0)
                .toByteArray();
    }
}
