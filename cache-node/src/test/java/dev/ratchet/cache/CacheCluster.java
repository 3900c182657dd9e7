package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import dev.ratchet.attestation.tls.AttestedKeyManager;
import dev.ratchet.attestation.tls.AttestedTls;
import dev.ratchet.attestation.tls.AttestedTrustManager;
import dev.ratchet.attestation.tls.PeerExpectation;
import dev.ratchet.client.RatchetClient;
import dev.ratchet.client.proto.KvServiceGrpc;
import dev.ratchet.raft.Await;
import dev.ratchet.raft.LoopbackPorts;
import dev.ratchet.raft.RaftAdmin;
import dev.ratchet.raft.RaftGroupClient;
import dev.ratchet.raft.RaftNode;
import dev.ratchet.raft.TestRamRoot;
import dev.ratchet.sector.server.SectorServer;
import dev.ratchet.sector.server.TestHooks;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.TabletStoreNode;
import dev.ratchet.tablet.proto.ArrayQuery;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.Bootstrap;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.Policy;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.RoleMeasurements;
import dev.ratchet.tablet.proto.SlotAssignment;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * A test fixture: a whole cluster in this JVM on loopback with real attested TLS (simulated
 * platform): 3 tablet-store nodes, a 4+2 array of sector servers with test hooks, and cache
 * nodes. The test plays the admin tool: it draws the authority key pair itself, so it can start
 * the sector servers (which need the authority's public key) before Bootstrap names them.
 *
 * <p>Clients are raw {@link KvServiceGrpc} stubs attesting role client. Closing the fixture
 * closes everything and deletes the RAM root.
 */
final class CacheCluster implements AutoCloseable {
    static final String HOST = LoopbackPorts.HOST;
    static final int K = 4;
    static final int M = 2;
    static final int INITIAL_TABLETS = 4;
    static final long STRIPES = 1024;
    static final Duration WAIT = Duration.ofSeconds(60);

    final TestClusterCa ca = new TestClusterCa(Clock.systemUTC());
    final AttestationVerifier verifier = ca.verifier();
    final KeyPair authority = authorityKeyPair();
    final Path ramRoot = TestRamRoot.create("ratchet-cache-test-");
    final List<TabletStoreNode> stores = new ArrayList<>();
    final List<SectorServer> sectors = new ArrayList<>();
    final List<TestHooks> hooks = new ArrayList<>();
    final List<CacheNode> caches = new ArrayList<>();
    final NodeIdentity client = ca.identity(Role.CLIENT);
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<AutoCloseable> extras = new ArrayList<>();
    RaftAdmin admin;

    /** Starts the tablet store and the sector servers, and bootstraps the cluster. */
    static CacheCluster start() throws IOException {
        CacheCluster cluster = new CacheCluster();
        try {
            for (int i = 0; i < 3; i++) {
                cluster.stores.add(cluster.startStore());
            }
            cluster.admin = TabletStoreNode.admin(
                    cluster.ca.identity(Role.CLIENT), cluster.verifier, Clock.systemUTC(), List.of());
            cluster.admin.bootstrap(
                    cluster.stores.stream().map(TabletStoreNode::peer).toList());
            for (int i = 0; i < K + M; i++) {
                cluster.startSector();
            }
            cluster.bootstrap();
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** Starts a cache node with default settings. */
    CacheNode startCache() throws IOException {
        return startCache(builder -> {});
    }

    /** Starts a cache node, letting {@code tune} change its builder first. */
    CacheNode startCache(Consumer<CacheNode.Builder> tune) throws IOException {
        CacheNode.Builder builder = CacheNode.builder(ca.identity(Role.CACHE), verifier, admin.members())
                .listen(HOST, 0)
                .sectorCallTimeoutMillis(2_000);
        tune.accept(builder);
        CacheNode node = builder.start();
        caches.add(node);
        return node;
    }

    /** Starts a sector server (with test hooks) that trusts this cluster's authority key. */
    SectorServer startSector() throws IOException {
        TestHooks testHooks = TestHooks.enabled();
        SectorServer server = SectorServer.builder(ca.identity(Role.SECTOR), verifier, authority.getPublic())
                .listen(HOST, 0)
                .capacitySectors(STRIPES)
                .testHooks(testHooks)
                .start();
        sectors.add(server);
        hooks.add(testHooks);
        return server;
    }

    /**
     * Returns a blocking client stub (role client) to {@code node}; every call through it has a
     * deadline of {@link #WAIT}, so a request the node never answers fails the test instead of
     * hanging the build.
     */
    KvServiceGrpc.KvServiceBlockingStub stub(CacheNode node) {
        return KvServiceGrpc.newBlockingStub(channel(node, client)).withInterceptors(deadlinePerCall(WAIT));
    }

    /**
     * Returns an interceptor that gives every call its own deadline, unless the call already has an
     * earlier one. A stub's {@code
     * withDeadlineAfter} fixes one instant for every later call through it, so a stub reused by a
     * long test on a loaded machine starts failing calls once that instant passes.
     */
    static ClientInterceptor deadlinePerCall(Duration timeout) {
        return new ClientInterceptor() {
            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(
                    MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
                Deadline mine = Deadline.after(timeout.toMillis(), TimeUnit.MILLISECONDS);
                Deadline set = options.getDeadline();
                // A stub's own shorter deadline (a test that expects a timeout) stays.
                return next.newCall(method, set != null && set.isBefore(mine) ? options : options.withDeadline(mine));
            }
        };
    }

    /** Returns an async client stub (role client) to {@code node}, a deadline of {@link #WAIT} per call. */
    KvServiceGrpc.KvServiceFutureStub futureStub(CacheNode node) {
        return KvServiceGrpc.newFutureStub(channel(node, client)).withInterceptors(deadlinePerCall(WAIT));
    }

    /** Returns a channel to {@code node} presenting {@code identity}. */
    ManagedChannel channel(CacheNode node, NodeIdentity identity) {
        AttestedTrustManager trust = AttestedTrustManager.builder(verifier)
                .acceptRoles(Role.CACHE)
                .expectation(PeerExpectation.exactly(node.nodeId()))
                .build();
        try {
            ManagedChannel channel = NettyChannelBuilder.forAddress(HOST, node.port())
                    .sslContext(AttestedTls.grpcClientContext(new AttestedKeyManager(identity), trust))
                    .build();
            synchronized (channels) {
                channels.add(channel);
            }
            return channel;
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Returns a builder of the real client SDK for {@code nodes}: this cluster's client identity
     * and verifier, short seeded backoff (10 ms doubling to 200 ms); the caller closes the client.
     */
    RatchetClient.Builder sdk(CacheNode... nodes) {
        RatchetClient.Builder builder = RatchetClient.builder()
                .identity(client)
                .verifier(verifier)
                .initialBackoff(Duration.ofMillis(10))
                .maxBackoff(Duration.ofMillis(200))
                .random(new Random(42));
        for (CacheNode node : nodes) {
            builder.endpoint(node.address());
        }
        return builder;
    }

    /** Returns the tablet-store node that is the Raft leader now, by a linearizable read. */
    TabletStoreNode leaderStore() throws IOException {
        String leader = storeClient().leader();
        return stores.stream()
                .filter(store -> store.nodeId().equals(leader))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the leader " + leader + " is not in this cluster"));
    }

    /** Returns a tablet-store client for checks, closed with the fixture. */
    TabletStoreClient storeClient() {
        TabletStoreClient store = new TabletStoreClient(
                RaftGroupClient.builder(ca.identity(Role.CLIENT), verifier, TabletStoreNode.GROUP_ID, admin.members())
                        .build());
        extras.add(store);
        return store;
    }

    /** Returns the tablet store's array view (slots, deaths, trims, suspicions) by a linearizable query. */
    static ArrayView arrayView(TabletStoreClient store) {
        try {
            return store.query(Query.newBuilder()
                            .setArray(ArrayQuery.getDefaultInstance())
                            .build())
                    .getArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ByteString bytes(String text) {
        return ByteString.copyFromUtf8(text);
    }

    /** Returns a fresh 16-byte request id. */
    static ByteString requestId() {
        byte[] id = new byte[16];
        new SecureRandom().nextBytes(id);
        return ByteString.copyFrom(id);
    }

    /** Polls {@code condition} until it holds, failing after {@link #WAIT}. */
    static void awaitUntil(String what, BooleanSupplier condition) {
        Await.until(WAIT, what, condition);
    }

    private void bootstrap() throws IOException {
        List<SlotAssignment> slots = new ArrayList<>();
        for (SectorServer server : sectors) {
            slots.add(SlotAssignment.newBuilder()
                    .setNodeId(server.nodeId())
                    .setAddress(HOST + ":" + server.port())
                    .build());
        }
        byte[] dataKey = new byte[32];
        new SecureRandom().nextBytes(dataKey);
        byte[] requestId = new byte[16];
        new SecureRandom().nextBytes(requestId);
        Command command = Command.newBuilder()
                .setRequestId(ByteString.copyFrom(requestId))
                .setBootstrap(Bootstrap.newBuilder()
                        .setInitialTabletCount(INITIAL_TABLETS)
                        .setDataShards(K)
                        .setParityShards(M)
                        .setStripeCount(STRIPES)
                        .addAllSlots(slots)
                        .setInitialDataKey(ByteString.copyFrom(dataKey))
                        .setAuthorityPrivateKeyPkcs8(
                                ByteString.copyFrom(authority.getPrivate().getEncoded()))
                        .setAuthorityPublicKeySpki(
                                ByteString.copyFrom(authority.getPublic().getEncoded()))
                        .setPolicy(Policy.newBuilder()
                                .addRoles(RoleMeasurements.newBuilder()
                                        .setRole(dev.ratchet.tablet.proto.Role.ROLE_CACHE)
                                        .addMeasurementsHex(ca.measurement().hexForRole(Role.CACHE)))))
                .build();
        Result result = storeClient().submit(command);
        if (!"OK".equals(result.getBootstrap().getStatus().name())) {
            throw new IllegalStateException("bootstrap refused: " + result);
        }
    }

    TabletStoreNode startStore() throws IOException {
        int[] ports = LoopbackPorts.free(3);
        RaftNode.Builder builder = RaftNode.builder(ca.identity(Role.TABLET_STORE), verifier)
                .address(HOST, ports[0], ports[1], ports[2])
                .ramRoot(ramRoot)
                // Loopback timings (ratis-guide §6): stable elections on a loaded 2-core machine.
                .electionTimeout(Duration.ofMillis(400), Duration.ofMillis(800))
                .checkpointInterval(Duration.ofMillis(300));
        return TabletStoreNode.start(builder, (reason, cause) -> {});
    }

    private static KeyPair authorityKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        synchronized (channels) {
            channels.forEach(ManagedChannel::shutdownNow);
        }
        for (CacheNode node : caches) {
            node.close();
        }
        for (AutoCloseable extra : extras) {
            try {
                extra.close();
            } catch (Exception e) {
                // keep closing
            }
        }
        for (SectorServer server : sectors) {
            server.close();
        }
        for (TabletStoreNode node : stores) {
            try {
                node.close();
            } catch (IOException | RuntimeException e) {
                // keep closing the others
            }
        }
        TestRamRoot.delete(ramRoot);
    }
}
