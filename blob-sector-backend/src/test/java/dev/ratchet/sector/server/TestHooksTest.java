package dev.ratchet.sector.server;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.EvidenceProvider;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Test hooks exist only on simulated servers and only once attached. */
class TestHooksTest {
    @Test
    void hooks_areRefusedOnARealPlatform() throws Exception {
        // A stand-in "SEV-SNP" identity: never verified here, only its platform tag matters.
        EvidenceProvider snp = new EvidenceProvider() {
            @Override
            public TeePlatform platform() {
                return TeePlatform.SEV_SNP;
            }

            @Override
            public Evidence attest(Role role, byte[] reportData) {
                return new Evidence(TeePlatform.SEV_SNP, role, new byte[16], List.of());
            }
        };
        NodeIdentity identity = NodeIdentity.generate(Role.SECTOR, snp, SectorServerFixture.CLOCK);
        SectorServerFixture fixture = new SectorServerFixture();
        try {
            SectorServer.Builder builder = SectorServer.builder(
                            identity,
                            fixture.cluster().verifier(),
                            fixture.authority().publicKey())
                    .capacitySectors(1)
                    .testHooks(TestHooks.enabled());

            IllegalStateException e = assertThrows(IllegalStateException.class, builder::start);
            assertTrue(e.getMessage().contains("sev-snp"), e.getMessage());
        } finally {
            fixture.close();
        }
    }

    @Test
    void unattachedHooks_refuseToRun() {
        TestHooks hooks = TestHooks.enabled();

        assertThrows(IllegalStateException.class, hooks::dumpRam);
    }

    @Test
    void hooks_attachToOneServerOnly() throws Exception {
        SectorServerFixture fixture = new SectorServerFixture();
        try {
            SectorServer.Builder second = SectorServer.builder(
                            fixture.identity(Role.SECTOR),
                            fixture.cluster().verifier(),
                            fixture.authority().publicKey())
                    .capacitySectors(1)
                    .testHooks(fixture.hooks());

            assertThrows(IllegalStateException.class, second::start);
        } finally {
            fixture.close();
        }
    }
}
