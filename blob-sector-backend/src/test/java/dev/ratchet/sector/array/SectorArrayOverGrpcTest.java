package dev.ratchet.sector.array;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import dev.ratchet.attestation.tls.AttestedKeyManager;
import dev.ratchet.attestation.tls.AttestedTls;
import dev.ratchet.attestation.tls.AttestedTrustManager;
import dev.ratchet.attestation.tls.PeerExpectation;
import dev.ratchet.sector.proto.SectorServiceGrpc;
import dev.ratchet.sector.server.SectorServer;
import dev.ratchet.sector.server.TestHooks;
import dev.ratchet.sector.server.WriterAuthority;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The array over real sector servers: attested gRPC over loopback TLS, real off-heap stores, real
 * signed reads. Faults are real too: servers are stopped, rolled back and corrupted through the
 * INSECURE test hooks that only simulated servers accept.
 */
class SectorArrayOverGrpcTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);
    private static final long CAPACITY_SECTORS = 64;
    private static final long WAIT_SECONDS = 30;

    private final TestClusterCa cluster = new TestClusterCa(CLOCK);
    private final AttestationVerifier verifier = cluster.verifier();
    private final WriterAuthority authority = WriterAuthority.generate();
    private final NodeIdentity cache = cluster.identity(Role.CACHE);
    private final NodeIdentity operator = cluster.identity(Role.TABLET_STORE);
    private final List<SectorServer> servers = new ArrayList<>();
    private final List<TestHooks> hooks = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ConcurrentLinkedQueue<ShardFault> faults = new ConcurrentLinkedQueue<>();
    private final Random random = new Random(20261122);

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        for (SectorServer server : servers) {
            server.close();
        }
    }

    @ParameterizedTest
    @CsvSource({"4,2", "8,4"})
    void writeThenRead_roundTripsThroughRealServers(int k, int m) throws Exception {
        SectorArray array = array(k, m);
        for (int length : new int[] {1, 4096, k * 4096, 3 * k * 4096 + 17}) {
            byte[] blob = randomBytes(length);
            long[] stripes = stripes(freshStripeBase(), (length + k * 4096 - 1) / (k * 4096));
            StripeWrite written = await(array.write(stripes, blob));
            assertEquals((k + m) * stripes.length, written.shardDigests().size());
            assertArrayEquals(blob, await(array.read(stripes, length, written.shardDigests())));
        }
        assertTrue(faults.isEmpty(), faults.toString());
    }

    @ParameterizedTest
    @CsvSource({"4,2", "8,4"})
    void mServersStopped_everythingReadable_mPlusOneStopped_clearError(int k, int m) throws Exception {
        SectorArray array = array(k, m);
        byte[] blob = randomBytes(5 * k * 4096);
        long[] stripes = stripes(0, 5);
        StripeWrite written = await(array.write(stripes, blob));
        for (int slot = 0; slot < m; slot++) {
            servers.get(slot).close(); // data slots first: the read must decode
        }
        assertArrayEquals(blob, await(array.read(stripes, blob.length, written.shardDigests())));
        assertTrue(faults.stream().allMatch(f -> f.kind() == ShardFault.Kind.UNAVAILABLE), faults.toString());

        servers.get(m).close();
        ExecutionException failure = assertThrows(
                ExecutionException.class,
                () -> array.read(stripes, blob.length, written.shardDigests()).get(WAIT_SECONDS, TimeUnit.SECONDS));
        ArrayReadException error = assertInstanceOf(ArrayReadException.class, failure.getCause());
        assertTrue(error.faults().size() > m, error.faults().toString());
    }

    @Test
    void rolledBackServers_areDetectedAndDecodedAround() throws Exception {
        int k = 4;
        int m = 2;
        SectorArray array = array(k, m);
        long[] stripes = stripes(0, 3);
        byte[] old = randomBytes(3 * k * 4096);
        await(array.write(stripes, old));
        List<TestHooks.Snapshot> snapshots =
                List.of(hooks.get(0).snapshot(), hooks.get(1).snapshot());

        // The same stripes, trimmed and reused for a newer version, as the allocator may do.
        await(array.trim(stripes));
        byte[] latest = randomBytes(old.length);
        StripeWrite written = await(array.write(stripes, latest));
        hooks.get(0).restore(snapshots.get(0));
        hooks.get(1).restore(snapshots.get(1));

        assertArrayEquals(latest, await(array.read(stripes, latest.length, written.shardDigests())));
        assertTrue(
                faults.stream()
                        .anyMatch(f -> f.kind() == ShardFault.Kind.DIGEST_MISMATCH
                                && f.nodeId().equals(servers.get(0).nodeId())),
                faults.toString());
    }

    @Test
    void flippedBytes_areRecoveredAndTheLiarReported() throws Exception {
        int k = 8;
        int m = 4;
        SectorArray array = array(k, m);
        long[] stripes = stripes(0, 2);
        byte[] blob = randomBytes(2 * k * 4096);
        StripeWrite written = await(array.write(stripes, blob));
        for (int slot = 0; slot < m; slot++) {
            hooks.get(slot).flipBits(stripes[slot % 2], 100 + slot, 0x10);
        }
        assertArrayEquals(blob, await(array.read(stripes, blob.length, written.shardDigests())));
        for (int slot = 0; slot < m; slot++) {
            String liar = servers.get(slot).nodeId();
            assertTrue(
                    faults.stream()
                            .anyMatch(f -> f.nodeId().equals(liar) && f.kind().isLie()),
                    faults.toString());
        }
    }

    @Test
    void rebuildOntoFreshServer_thenReplacedOneGone_everythingReadable() throws Exception {
        int k = 4;
        int m = 2;
        SectorArray array = array(k, m);
        long[] stripes = stripes(0, 6);
        byte[] blob = randomBytes(6 * k * 4096);
        StripeWrite written = await(array.write(stripes, blob));

        servers.get(1).close();
        array.markDead(1, 1);
        SectorServer fresh = startServer();
        List<RebuildProgress> progress = new ArrayList<>();
        RebuildProgress done =
                await(array.rebuild(1, device(fresh), stripes, written.shardDigests(), p -> progress.add(p)));
        assertEquals(stripes.length, done.stripesDone());
        assertEquals(stripes.length, done.stripesTotal());
        assertTrue(done.bytesPerSecond() > 0, done.toString());
        assertEquals(SlotState.LIVE, array.health().slots().get(1).state());

        // With the replacement in place, m other servers may now fail and all stays readable.
        servers.get(0).close();
        servers.get(2).close();
        assertArrayEquals(blob, await(array.read(stripes, blob.length, written.shardDigests())));
    }

    @Test
    void writerOutsideTheAuthorizedSet_isRefusedByEveryServer() throws Exception {
        array(4, 2);
        NodeIdentity stranger = cluster.identity(Role.CACHE);
        SectorArray strangers = SectorArray.builder(4, 2)
                .slots(devicesFor(stranger))
                .callTimeoutMillis(10_000)
                .build();
        closeables.add(strangers::close);
        ExecutionException failure = assertThrows(
                ExecutionException.class,
                () -> strangers.write(stripes(0, 1), randomBytes(100)).get(WAIT_SECONDS, TimeUnit.SECONDS));
        ArrayWriteException error = assertInstanceOf(ArrayWriteException.class, failure.getCause());
        assertEquals(6, error.faults().size(), error.faults().toString());
        assertTrue(
                error.faults().stream().allMatch(f -> f.detail().contains("WRITER_NOT_AUTHORIZED")),
                error.faults().toString());
    }

    private long nextStripeBase;

    private long freshStripeBase() {
        long base = nextStripeBase;
        nextStripeBase += 8;
        return base;
    }

    private SectorArray array(int k, int m) throws IOException {
        for (int slot = 0; slot < k + m; slot++) {
            startServer();
        }
        SectorArray array = SectorArray.builder(k, m)
                .slots(devicesFor(cache))
                .callTimeoutMillis(10_000)
                .faultListener(faults::add)
                .build();
        closeables.add(array::close);
        return array;
    }

    private List<SectorDevice> devicesFor(NodeIdentity self) throws IOException {
        List<SectorDevice> devices = new ArrayList<>();
        for (SectorServer server : servers) {
            devices.add(device(server, self));
        }
        return devices;
    }

    private SectorDevice device(SectorServer server) throws IOException {
        return device(server, cache);
    }

    private SectorDevice device(SectorServer server, NodeIdentity self) throws IOException {
        return new GrpcSectorDevice("127.0.0.1", server.port(), server.nodeId(), self, verifier, CLOCK, 10_000);
    }

    /** Starts a sector server with test hooks and installs writer set v1 naming the cache node. */
    private SectorServer startServer() throws IOException {
        TestHooks testHooks = TestHooks.enabled();
        SectorServer server = SectorServer.builder(cluster.identity(Role.SECTOR), verifier, authority.publicKey())
                .capacitySectors(CAPACITY_SECTORS)
                .clock(CLOCK)
                .testHooks(testHooks)
                .start();
        servers.add(server);
        hooks.add(testHooks);
        AttestedTrustManager trust = AttestedTrustManager.builder(verifier)
                .acceptRoles(Role.SECTOR)
                .clock(CLOCK)
                .expectation(PeerExpectation.exactly(server.nodeId()))
                .build();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
                .sslContext(AttestedTls.grpcClientContext(new AttestedKeyManager(operator), trust))
                .build();
        try {
            SectorServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                    .installAuthorization(authority.sign(1, List.of(cache.nodeId())));
        } finally {
            channel.shutdownNow();
        }
        return server;
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static long[] stripes(long first, int count) {
        return LongStream.range(first, first + count).toArray();
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }
}
