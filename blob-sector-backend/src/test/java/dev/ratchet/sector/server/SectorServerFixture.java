package dev.ratchet.sector.server;

import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import dev.ratchet.attestation.tls.AttestedKeyManager;
import dev.ratchet.attestation.tls.AttestedTls;
import dev.ratchet.attestation.tls.AttestedTrustManager;
import dev.ratchet.attestation.tls.PeerExpectation;
import dev.ratchet.sector.proto.SectorServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test fixture: one sector server with test hooks on 127.0.0.1, its cluster CA and writer
 * authority, and attested channels to it for callers of any role. Closing it closes everything
 * it opened.
 */
public final class SectorServerFixture implements AutoCloseable {
    /** The fixed time of every test: certificates are valid from it. */
    public static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);

    /** The deadline of each test call. */
    public static final long TIMEOUT_MILLIS = 10_000;

    /** The capacity of the fixture's server. */
    public static final long CAPACITY_SECTORS = 64;

    private final TestClusterCa cluster = new TestClusterCa(CLOCK);
    private final WriterAuthority authority = WriterAuthority.generate();
    private final NodeIdentity serverIdentity = cluster.identity(Role.SECTOR);
    private final TestHooks hooks = TestHooks.enabled();
    private final SectorServer server;
    private final List<ManagedChannel> channels = new ArrayList<>();

    /** Starts the server, claimed by the fixture's authority. */
    public SectorServerFixture() {
        this(/* claimed= */ true);
    }

    /** Returns a fixture whose server starts unclaimed (no authority key). */
    public static SectorServerFixture unclaimed() {
        return new SectorServerFixture(/* claimed= */ false);
    }

    private SectorServerFixture(boolean claimed) {
        SectorServer.Builder builder = SectorServer.builder(serverIdentity, cluster.verifier());
        if (claimed) {
            builder.authorityKey(authority.publicKey());
        }
        try {
            server = builder.capacitySectors(CAPACITY_SECTORS)
                    .clock(CLOCK)
                    .testHooks(hooks)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public TestClusterCa cluster() {
        return cluster;
    }

    public WriterAuthority authority() {
        return authority;
    }

    public SectorServer server() {
        return server;
    }

    public NodeIdentity serverIdentity() {
        return serverIdentity;
    }

    public TestHooks hooks() {
        return hooks;
    }

    /** Returns a new identity of {@code role} from the fixture's CA. */
    public NodeIdentity identity(Role role) {
        return cluster.identity(role);
    }

    /** Returns a blocking stub over a new attested channel presenting {@code caller}. */
    public SectorServiceGrpc.SectorServiceBlockingStub stub(NodeIdentity caller) {
        return SectorServiceGrpc.newBlockingStub(channel(caller))
                .withDeadlineAfter(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Returns a new attested channel presenting {@code caller}, expecting the fixture's server. */
    public ManagedChannel channel(NodeIdentity caller) {
        AttestedTrustManager trust = AttestedTrustManager.builder(cluster.verifier())
                .acceptRoles(Role.SECTOR)
                .clock(CLOCK)
                .expectation(PeerExpectation.exactly(server.nodeId()))
                .build();
        try {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
                    .sslContext(AttestedTls.grpcClientContext(new AttestedKeyManager(caller), trust))
                    .build();
            channels.add(channel);
            return channel;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Installs writer set {@code version} naming {@code writers}, signed by the fixture's authority. */
    public void authorize(long version, NodeIdentity... writers) {
        List<String> ids = Arrays.stream(writers).map(NodeIdentity::nodeId).toList();
        stub(identity(Role.TABLET_STORE)).installAuthorization(authority.sign(version, ids));
    }

    /** Returns a 4096-byte sector filled with {@code value}. */
    public static byte[] sector(int value) {
        byte[] sector = new byte[SectorServer.SECTOR_BYTES];
        Arrays.fill(sector, (byte) value);
        return sector;
    }

    @Override
    public void close() {
        try {
            for (ManagedChannel channel : channels) {
                channel.shutdownNow();
                if (!channel.awaitTermination(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("channel did not stop");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while closing channels", e);
        } finally {
            server.close();
        }
    }
}
