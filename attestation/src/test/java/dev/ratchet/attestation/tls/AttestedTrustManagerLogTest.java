package dev.ratchet.attestation.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import dev.ratchet.attestation.TestClusterCa;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@link AttestedTrustManager} logs about simulated peers: every line says INSECURE
 * (ARCHITECTURE.md, "Simulated TEE"), including the refusal line, which is the one an operator of
 * a strict production node sees when a simulated peer knocks.
 */
class AttestedTrustManagerLogTest {
    private static final Instant NOW = Instant.parse("2026-11-22T00:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private final TestClusterCa cluster = new TestClusterCa(CLOCK);

    @Test
    void refusalOfASimulatedPeer_isLoggedAsInsecure() {
        NodeIdentity sector = cluster.identity(Role.SECTOR);
        AttestedTrustManager trust = AttestedTrustManager.builder(cluster.verifier())
                .acceptRoles(Role.CACHE)
                .clock(CLOCK)
                .build();

        String log = standardErrorOf(() -> assertThrows(
                PeerRefusedException.class,
                () -> trust.checkClientTrusted(new X509Certificate[] {sector.certificate()}, "UNKNOWN")));

        List<String> refusals =
                log.lines().filter(line -> line.contains("refused TLS")).toList();
        assertEquals(1, refusals.size(), log);
        assertTrue(refusals.get(0).contains("INSECURE"), log);
        assertTrue(refusals.get(0).contains("wrong_role"), log);
    }

    @Test
    void insecureMarker_marksSimulatedEvidenceOnly() {
        NodeIdentity simulated = cluster.identity(Role.CACHE);
        assertTrue(AttestedTrustManager.insecureMarker(new X509Certificate[] {simulated.certificate()})
                .contains("INSECURE"));

        NodeIdentity other = cluster.identity(Role.CACHE);
        KeyPair keyPair = new KeyPair(other.publicKey(), other.privateKey());
        Evidence snp = new Evidence(TeePlatform.SEV_SNP, Role.CACHE, new byte[1184], List.of());
        X509Certificate snpCertificate =
                RaTlsCertificate.create(keyPair, "00".repeat(32), snp, NOW, Duration.ofDays(1));
        assertEquals("", AttestedTrustManager.insecureMarker(new X509Certificate[] {snpCertificate}));
        assertEquals("", AttestedTrustManager.insecureMarker(new X509Certificate[0]));
        assertEquals("", AttestedTrustManager.insecureMarker(null));
    }

    /** Runs {@code action} and returns what it wrote to System.err (where slf4j-simple logs). */
    private static String standardErrorOf(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertFalse(log.isEmpty(), "nothing was logged to System.err");
        return log;
    }
}
