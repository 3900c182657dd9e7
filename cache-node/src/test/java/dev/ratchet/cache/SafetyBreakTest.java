package dev.ratchet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.EvidenceProvider;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import dev.ratchet.attestation.TestClusterCa;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Test;

/** The negative controls' switches: named for the CLI, and refused on any platform but simulated. */
class SafetyBreakTest {
    @Test
    void eachBreak_isFoundByItsCliName() {
        for (SafetyBreak safetyBreak : SafetyBreak.values()) {
            assertEquals(Optional.of(safetyBreak), SafetyBreak.byCliName(safetyBreak.cliName()));
        }
        assertEquals(Optional.empty(), SafetyBreak.byCliName("skip-everything"));
    }

    @Test
    void aCacheNodeOnARealTee_refusesEveryBreak_beforeItServes() throws Exception {
        // The evidence only claims SEV-SNP: the refusal comes before anything would verify it.
        EvidenceProvider sevSnp = new EvidenceProvider() {
            @Override
            public TeePlatform platform() {
                return TeePlatform.SEV_SNP;
            }

            @Override
            public Evidence attest(Role role, byte[] reportData) {
                return new Evidence(TeePlatform.SEV_SNP, role, reportData.clone(), List.of());
            }
        };
        NodeIdentity identity = NodeIdentity.generate(Role.CACHE, sevSnp, Clock.systemUTC());
        TestClusterCa ca = new TestClusterCa(Clock.systemUTC());
        CacheNode.Builder builder = CacheNode.builder(
                        identity,
                        ca.verifier(),
                        List.of(RaftPeer.newBuilder()
                                .setId("a".repeat(64))
                                .setAddress("127.0.0.1:1")
                                .build()))
                .safetyBreaks(EnumSet.of(SafetyBreak.ACK_BEFORE_COMMIT));

        IllegalStateException refused = assertThrows(IllegalStateException.class, builder::start);
        assertTrue(refused.getMessage().contains("simulated platform only"), refused.getMessage());
    }
}
