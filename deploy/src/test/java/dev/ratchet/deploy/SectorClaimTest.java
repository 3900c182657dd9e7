package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import dev.ratchet.sector.proto.InstallAuthorizationRequest;
import dev.ratchet.sector.proto.SectorError;
import dev.ratchet.sector.server.SectorServer;
import dev.ratchet.sector.server.WriterAuthority;
import dev.ratchet.tablet.proto.SignedWriterSet;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link SectorClaim} against in-process sector servers: claims unclaimed ones, refuses foreign ones loudly. */
class SectorClaimTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);

    private final TestClusterCa cluster = new TestClusterCa(CLOCK);
    private final RaftCommand.Operator operator = new RaftCommand.Operator(
            new PlatformOptions.Platform(cluster.identity(Role.CLIENT), cluster.verifier()), CLOCK);
    private final WriterAuthority authority = WriterAuthority.generate();
    private final List<SectorServer> servers = new ArrayList<>();

    @AfterEach
    void close() {
        servers.forEach(SectorServer::close);
    }

    @Test
    void unclaimedServer_isClaimed_andGetsTheWriterSet() throws Exception {
        SectorServer server = start(null);

        SectorClaim.claim(operator, 0, server.nodeId(), "127.0.0.1:" + server.port(), writers(authority, 3));

        assertEquals(authority.publicKey(), server.authorityKey().orElseThrow());
    }

    @Test
    void writerSetVersionZero_isNotSent() throws Exception {
        SectorServer server = start(null);

        SectorClaim.claim(operator, 0, server.nodeId(), "127.0.0.1:" + server.port(), writers(authority, 0));

        assertEquals(authority.publicKey(), server.authorityKey().orElseThrow());
        assertEquals(0, server.refusalCount(SectorError.AUTHORIZATION_ROLLBACK));
    }

    @Test
    void claimingTwice_isIdempotent() throws Exception {
        SectorServer server = start(null);
        SignedWriterSet writers = writers(authority, 2);

        SectorClaim.claim(operator, 0, server.nodeId(), "127.0.0.1:" + server.port(), writers);
        SectorClaim.claim(operator, 0, server.nodeId(), "127.0.0.1:" + server.port(), writers);

        assertEquals(authority.publicKey(), server.authorityKey().orElseThrow());
    }

    @Test
    void serverClaimedByAnotherAuthority_failsLoudlyNamingIt() throws Exception {
        SectorServer server = start(WriterAuthority.generate());

        SectorClaim.ClaimException e = assertThrows(
                SectorClaim.ClaimException.class,
                () -> SectorClaim.claim(
                        operator, 4, server.nodeId(), "127.0.0.1:" + server.port(), writers(authority, 1)));

        assertTrue(e.getMessage().contains("CLAIMED BY ANOTHER AUTHORITY"), e.getMessage());
        assertTrue(e.getMessage().contains("slot 4 sector server " + server.nodeId()), e.getMessage());
    }

    @Test
    void wrongNodeIdAtTheAddress_fails() throws Exception {
        SectorServer server = start(null);
        String otherId = "ab".repeat(32);

        SectorClaim.ClaimException e = assertThrows(
                SectorClaim.ClaimException.class,
                () -> SectorClaim.claim(operator, 1, otherId, "127.0.0.1:" + server.port(), writers(authority, 1)));

        assertTrue(e.getMessage().contains(otherId), e.getMessage());
        assertTrue(server.authorityKey().isEmpty(), "a server that is not the one named was claimed");
    }

    @Test
    void fingerprint_isShortAndStable() {
        ByteString key = ByteString.copyFrom(authority.publicKey().getEncoded());

        assertEquals(SectorClaim.fingerprint(key), SectorClaim.fingerprint(key));
        assertEquals("sha256:".length() + 16, SectorClaim.fingerprint(key).length());
        assertEquals("(none)", SectorClaim.fingerprint(ByteString.EMPTY));
    }

    private SectorServer start(WriterAuthority claimedBy) throws IOException {
        SectorServer.Builder builder = SectorServer.builder(cluster.identity(Role.SECTOR), cluster.verifier())
                .capacitySectors(8)
                .clock(CLOCK);
        if (claimedBy != null) {
            builder.authorityKey(claimedBy.publicKey());
        }
        SectorServer server = builder.start();
        servers.add(server);
        return server;
    }

    private static SignedWriterSet writers(WriterAuthority authority, long version) {
        InstallAuthorizationRequest signed = authority.sign(version, List.of("cd".repeat(32)));
        return SignedWriterSet.newBuilder()
                .setWriterSet(signed.getWriterSet())
                .setSignature(signed.getSignature())
                .setAuthorityPublicKeySpki(
                        ByteString.copyFrom(authority.publicKey().getEncoded()))
                .build();
    }
}
