package dev.ratchet.attestation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ratchet.attestation.simulated.SimulatedCa;
import dev.ratchet.attestation.simulated.SimulatedProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AttestationVerifierTest {
    private static final Instant NOW = Instant.parse("2026-11-22T00:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final TestClusterCa cluster = new TestClusterCa(clock);

    @Test
    void verifyPeer_acceptsBoundSimulatedIdentity() throws Exception {
        NodeIdentity identity = cluster.identity(Role.TABLET_STORE);
        VerifiedPeer peer = cluster.verifier()
                .verifyPeer(identity.evidence(), identity.publicKey().getEncoded(), Set.of(Role.TABLET_STORE), NOW);
        assertEquals(identity.nodeId(), peer.nodeId());
        assertEquals(Role.TABLET_STORE, peer.role());
        assertArrayEquals(
                cluster.measurement().forRole(Role.TABLET_STORE), peer.claims().measurement());
    }

    @Test
    void verifyPeer_refusesSimulatedUnlessAllowed() {
        NodeIdentity identity = cluster.identity(Role.CACHE);
        AttestationVerifier strict =
                cluster.verifier(cluster.policy().allowSimulated(false).build());
        assertRefused(
                Refusal.SIMULATED_NOT_ALLOWED,
                () -> strict.verifyPeer(
                        identity.evidence(), identity.publicKey().getEncoded(), Set.of(Role.CACHE), NOW));
    }

    @Test
    void verifyPeer_refusesWrongRole() {
        NodeIdentity identity = cluster.identity(Role.CACHE);
        assertRefused(
                Refusal.WRONG_ROLE,
                () -> cluster.verifier()
                        .verifyPeer(
                                identity.evidence(),
                                identity.publicKey().getEncoded(),
                                Set.of(Role.TABLET_STORE),
                                NOW));
    }

    @Test
    void verifyPeer_refusesKeyTheEvidenceDoesNotBind() {
        NodeIdentity identity = cluster.identity(Role.SECTOR);
        NodeIdentity other = cluster.identity(Role.SECTOR);
        assertRefused(
                Refusal.UNBOUND_KEY,
                () -> cluster.verifier()
                        .verifyPeer(identity.evidence(), other.publicKey().getEncoded(), Set.of(Role.SECTOR), NOW));
    }

    @Test
    void verifyPeer_refusesMeasurementNotAllowedForRole() {
        NodeIdentity identity = cluster.identity(Role.SECTOR);
        AttestationPolicy onlyCache = AttestationPolicy.builder()
                .allowSimulated(true)
                .allowMeasurement(Role.CACHE, cluster.measurement().forRole(Role.CACHE))
                .allowMeasurement(Role.SECTOR, cluster.measurement().forRole(Role.CACHE))
                .build();
        assertRefused(
                Refusal.MEASUREMENT,
                () -> cluster.verifier(onlyCache)
                        .verifyPeer(identity.evidence(), identity.publicKey().getEncoded(), Set.of(Role.SECTOR), NOW));
    }

    @Test
    void verifyPeer_refusesDebugUnlessAllowed() throws Exception {
        SimulatedProvider debugProvider = SimulatedProvider.create(cluster.ca(), cluster.measurement(), clock, true);
        NodeIdentity identity = NodeIdentity.generate(Role.CACHE, debugProvider, clock);
        byte[] spki = identity.publicKey().getEncoded();
        assertRefused(
                Refusal.DEBUG, () -> cluster.verifier().verifyPeer(identity.evidence(), spki, Set.of(Role.CACHE), NOW));
        VerifiedPeer peer = cluster.verifier(cluster.policy().allowDebug(true).build())
                .verifyPeer(identity.evidence(), spki, Set.of(Role.CACHE), NOW);
        assertEquals(true, peer.claims().debug());
    }

    @Test
    void verifyPeer_refusesOldEvidenceWhenAgeIsBounded() {
        NodeIdentity identity = cluster.identity(Role.CACHE);
        AttestationVerifier verifier = cluster.verifier(
                cluster.policy().maxEvidenceAge(Duration.ofHours(1)).build());
        assertRefused(
                Refusal.EXPIRED,
                () -> verifier.verifyPeer(
                        identity.evidence(),
                        identity.publicKey().getEncoded(),
                        Set.of(Role.CACHE),
                        NOW.plus(Duration.ofHours(2))));
    }

    @Test
    void verifyPeer_refusesExpiredMachineCertificate() {
        NodeIdentity identity = cluster.identity(Role.CACHE);
        assertRefused(
                Refusal.EXPIRED,
                () -> cluster.verifier()
                        .verifyPeer(
                                identity.evidence(),
                                identity.publicKey().getEncoded(),
                                Set.of(Role.CACHE),
                                NOW.plus(Duration.ofDays(400))));
    }

    @Test
    void verifyPeer_refusesEvidenceFromAnotherSimulatedRoot() {
        NodeIdentity identity = cluster.identity(Role.CACHE);
        TestClusterCa otherCluster = new TestClusterCa(clock);
        AttestationVerifier verifier = otherCluster.verifier(cluster.policy().build());
        assertRefused(
                Refusal.WRONG_ROOT,
                () -> verifier.verifyPeer(
                        identity.evidence(), identity.publicKey().getEncoded(), Set.of(Role.CACHE), NOW));
    }

    @Test
    void verifyPeer_refusesTamperedMeasurement() {
        NodeIdentity identity = cluster.identity(Role.CACHE);
        byte[] report = identity.evidence().report();
        report[20] ^= 1; // inside the measurement
        Evidence tampered = new Evidence(
                TeePlatform.SIMULATED, Role.CACHE, report, identity.evidence().endorsements());
        assertRefused(
                Refusal.SIGNATURE,
                () -> cluster.verifier()
                        .verifyPeer(tampered, identity.publicKey().getEncoded(), Set.of(Role.CACHE), NOW));
    }

    @Test
    void verifyPeer_refusesPlatformWithoutVerifier() {
        Evidence snp = new Evidence(TeePlatform.SEV_SNP, Role.CACHE, new byte[1184], java.util.List.of());
        assertRefused(
                Refusal.UNSUPPORTED_PLATFORM,
                () -> cluster.verifier().verifyPeer(snp, new byte[10], Set.of(Role.CACHE), NOW));
    }

    @Test
    void verifyEvidence_checksExpectedReportData() throws Exception {
        NodeIdentity identity = cluster.identity(Role.CLIENT);
        byte[] expected =
                IdentityBinding.reportData(Role.CLIENT, identity.publicKey().getEncoded());
        cluster.verifier().verifyEvidence(identity.evidence(), expected, NOW);
        expected[0] ^= 1;
        assertRefused(Refusal.REPORT_DATA, () -> cluster.verifier().verifyEvidence(identity.evidence(), expected, NOW));
    }

    @Test
    void simulatedCa_roundTripsThroughDirectory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        SimulatedCa first = SimulatedCa.loadOrCreate(dir, clock);
        SimulatedCa second = SimulatedCa.loadOrCreate(dir, clock);
        assertArrayEquals(first.certificate().getEncoded(), second.certificate().getEncoded());
    }

    @Test
    void simulatedCa_concurrentLoadOrCreate_agreeOnOneCa(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<SimulatedCa>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> SimulatedCa.loadOrCreate(dir, clock)));
            }
            byte[] first = results.get(0)
                    .get(30, java.util.concurrent.TimeUnit.SECONDS)
                    .certificate()
                    .getEncoded();
            for (java.util.concurrent.Future<SimulatedCa> result : results) {
                assertArrayEquals(
                        first,
                        result.get(30, java.util.concurrent.TimeUnit.SECONDS)
                                .certificate()
                                .getEncoded());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    interface Call {
        Object run() throws AttestationException;
    }

    static void assertRefused(Refusal expected, Call call) {
        AttestationException e = assertThrows(AttestationException.class, call::run);
        assertEquals(expected, e.refusal(), e.getMessage());
    }
}
