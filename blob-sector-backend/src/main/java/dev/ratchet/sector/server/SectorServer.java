package dev.ratchet.sector.server;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import dev.ratchet.attestation.tls.AttestedKeyManager;
import dev.ratchet.attestation.tls.AttestedPeerInterceptor;
import dev.ratchet.attestation.tls.AttestedTls;
import dev.ratchet.attestation.tls.AttestedTrustManager;
import dev.ratchet.sector.proto.SectorError;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sector server: a deliberately tiny process that holds a fixed number of 4096-byte sectors in
 * TEE RAM and serves them over attested gRPC (DESIGN.md §5).
 *
 * <p><b>What it trusts, and why.</b>
 *
 * <ul>
 *   <li>Its own TEE, for the confidentiality and integrity of its memory, including its identity
 *       key, which never leaves RAM. Nothing else it holds is secret: sectors are ciphertext, and
 *       the server never sees plaintext or keys.
 *   <li>The attested TLS handshake ({@link AttestedTrustManager}), for who is calling: a peer's node
 *       id and role come from evidence verified against pinned roots and the role's measurement
 *       allow-list. It accepts cache, tablet-store and client roles at TLS; each call then admits
 *       only its roles (data calls only cache nodes). Message fields and metadata are never
 *       believed about identity.
 *   <li>The cluster's writer-authority public key, for who may write ({@link AuthorizedWriters}):
 *       a write or trim needs the caller in the newest authorized-writer set signed by that key,
 *       and versions never go back. A set is believed for its signature, not for who relays it.
 *       The key is given at start, or installed once by the first {@code InstallAuthority} call
 *       (below); it never changes afterwards.
 * </ul>
 *
 * <p><b>Unclaimed servers.</b> The authority key pair is drawn when the cluster is bootstrapped,
 * and the bootstrap must already name the array's sector servers by node id, so a server usually
 * starts <em>unclaimed</em> (no key). Until claimed it refuses writes, trims and writer sets with
 * AUTHORITY_NOT_SET; reads and status still work (it holds nothing but zeros). The first attested
 * peer of role tablet-store or client (the bootstrap tool) to call {@code InstallAuthority} sets
 * the key; the same key again is a no-op, a different one is AUTHORITY_ALREADY_SET, and role cache
 * is WRONG_ROLE (a cache node never holds the authority key). Who could claim it first, and what
 * that would cost:
 *
 * <ul>
 *   <li>Only a peer that passes attestation for role tablet-store or client, i.e. code with an
 *       allowed measurement running in a real TEE. The host cannot: it has no attested key. The
 *       realistic rival is <em>another cluster running the same code</em> (or an earlier, abandoned
 *       bootstrap) that was pointed at this server's address first.
 *   <li>Such a claim cannot leak or corrupt anything: the server holds no data yet, and sectors are
 *       ciphertext under keys the server never sees. Once claimed by the rival, the server accepts
 *       writers only from sets the rival signs, so our cluster simply cannot write to it: a denial
 *       of service, which the host could cause anyway by not running the server.
 *   <li>It is detected loudly, not silently lived with: {@code ratchet raft bootstrap} installs
 *       its own key on every slot and checks that the key the server reports is exactly its own;
 *       a server claimed by anyone else fails the bootstrap with its node id, and the operator
 *       starts a fresh server (a new node id) for that slot.
 *   <li>Claiming once and never re-keying means a compromised or buggy client later in the
 *       cluster's life cannot re-point a live server at a key it controls.
 * </ul>
 *
 * <p><b>What it does not trust, and does not need to.</b> Request contents are bounded and checked
 * whole before anything changes (limits below; each refusal has its own {@link SectorError}). It
 * does not vouch that its data is <em>current</em>: a host that rolls back the whole VM rolls back
 * this RAM with it, and the server will sign the old data honestly. Catching that is the array's
 * job, against shard digests pinned in the tablet store. Signed reads ({@link
 * dev.ratchet.attestation.SignedRead}) over the reader's fresh nonce, the exact request bytes and
 * the data stop a recorded reply from being replayed and a reply from being passed off as another
 * server's. The server reads no clock for its decisions (only TLS certificate validity uses one).
 *
 * <p><b>Capacity.</b> Memory is allocated once at start; indices map directly to RAM, so every
 * index below capacity always has room and an index at or above it is SECTOR_OUT_OF_RANGE. The
 * server therefore never answers SERVER_FULL; {@code used_sectors == capacity_sectors} in the
 * status is how a full server shows, and the array allocates stripes from what is free.
 *
 * <p>Lifecycle: {@link Builder#start()} binds and serves; {@link #close()} stops it. Thread-safe.
 */
public final class SectorServer implements AutoCloseable {
    /** Bytes in a sector: the array's shard unit. */
    public static final int SECTOR_BYTES = SectorStore.SECTOR_BYTES;

    /** Sectors per request: 1 MiB of sector data, a quarter of gRPC's default 4 MiB message limit. */
    public static final int SECTORS_PER_REQUEST_MAX = 256;

    /**
     * The largest request message: {@link #SECTORS_PER_REQUEST_MAX} sectors plus framing fits with
     * room to spare, so an oversized request is parsed and answered TOO_MANY_SECTORS, while
     * anything far larger is refused by gRPC before it is parsed.
     */
    public static final int INBOUND_MESSAGE_BYTES_MAX = 2 * 1024 * 1024;

    /** The largest capacity: the used-sector bitmap is int-indexed (2^31 - 1 sectors, 8 TiB). */
    public static final long CAPACITY_SECTORS_MAX = SectorStore.CAPACITY_SECTORS_MAX;

    /** Concurrent calls per connection: a cache node pipelines a few stripes; this bounds one peer's share. */
    static final int CALLS_PER_CONNECTION_MAX = 64;

    /** Worker threads: calls are memory copies and one ECDSA signature, CPU-bound, so about a core each. */
    static final int WORKER_THREADS_MAX = 8;

    /**
     * Calls queued for a worker. Beyond it the transport thread runs the call itself, which stops
     * it reading new requests: overload backs up into TCP instead of into the heap.
     */
    static final int CALL_QUEUE_MAX = 1024;

    /** How long {@link #close()} lets calls in flight finish before cancelling them. */
    static final long CLOSE_GRACE_MILLIS = 5_000;

    private static final Logger log = LoggerFactory.getLogger(SectorServer.class);

    private final Server server;
    private final ThreadPoolExecutor executor;
    private final NodeIdentity identity;
    private final SectorStore store;
    private final SectorService service;
    private final AuthorizedWriters writers;
    private final AttestedTrustManager trustManager;

    private SectorServer(
            Server server,
            ThreadPoolExecutor executor,
            NodeIdentity identity,
            SectorStore store,
            SectorService service,
            AuthorizedWriters writers,
            AttestedTrustManager trustManager) {
        this.server = server;
        this.writers = writers;
        this.executor = executor;
        this.identity = identity;
        this.store = store;
        this.service = service;
        this.trustManager = trustManager;
    }

    /**
     * Returns a builder for a server that presents {@code identity} (role SECTOR), checks peers with
     * {@code verifier}, and accepts writer sets signed by {@code authorityKey} (EC).
     */
    public static Builder builder(NodeIdentity identity, AttestationVerifier verifier, PublicKey authorityKey) {
        return new Builder(identity, verifier).authorityKey(authorityKey);
    }

    /**
     * Returns a builder for a server that presents {@code identity} (role SECTOR) and checks peers
     * with {@code verifier}; without {@link Builder#authorityKey} it starts unclaimed.
     */
    public static Builder builder(NodeIdentity identity, AttestationVerifier verifier) {
        return new Builder(identity, verifier);
    }

    /** Returns the port the server listens on (the bound one, if 0 was asked for). */
    public int port() {
        return server.getPort();
    }

    /** Returns this server's node id. */
    public String nodeId() {
        return identity.nodeId();
    }

    /** Returns the number of sectors this server holds. */
    public long capacitySectors() {
        return store.capacitySectors();
    }

    /** Returns the cluster authority key, empty while the server is unclaimed. */
    public Optional<PublicKey> authorityKey() {
        return writers.authorityKey();
    }

    /** Returns how many calls were refused with {@code error}. */
    public long refusalCount(SectorError error) {
        return service.refusalCount(error);
    }

    /** Returns how many TLS peers were refused for {@code refusal} before any call. */
    public long tlsRefusalCount(Refusal refusal) {
        return trustManager.refusalCount(refusal);
    }

    /** Blocks until the server has stopped. */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** Stops accepting calls, lets calls in flight finish for a bounded time, then cancels the rest. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            executor.shutdownNow();
        }
        log.info("sector server {} stopped", identity.nodeId());
    }

    /** A builder of {@link SectorServer}s. */
    public static final class Builder {
        private final NodeIdentity identity;
        private final AttestationVerifier verifier;
        private PublicKey authorityKey;
        private String host = "127.0.0.1";
        private int port;
        private long capacitySectors;
        private Clock clock = Clock.systemUTC();
        private TestHooks testHooks;

        private Builder(NodeIdentity identity, AttestationVerifier verifier) {
            this.identity = Objects.requireNonNull(identity, "identity");
            this.verifier = Objects.requireNonNull(verifier, "verifier");
            if (identity.role() != Role.SECTOR) {
                throw new IllegalArgumentException("a sector server runs as role sector, not " + identity.role());
            }
        }

        /**
         * Sets the cluster authority key (EC) that signs writer sets; without it the server starts
         * unclaimed and takes the key from the first {@code InstallAuthority} call.
         *
         * @throws IllegalArgumentException if the key is not EC
         */
        public Builder authorityKey(PublicKey key) {
            Objects.requireNonNull(key, "key");
            if (!"EC".equals(key.getAlgorithm())) {
                throw new IllegalArgumentException("the writer authority key must be EC, not " + key.getAlgorithm());
            }
            this.authorityKey = key;
            return this;
        }

        /** Sets the address to listen on (default 127.0.0.1, port 0: any free port). */
        public Builder listen(String host, int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0..65535: " + port);
            }
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
            return this;
        }

        /** Sets the number of sectors held; required, 1..{@link #CAPACITY_SECTORS_MAX}. */
        public Builder capacitySectors(long sectors) {
            if (sectors < 1 || sectors > CAPACITY_SECTORS_MAX) {
                throw new IllegalArgumentException(
                        "capacity must be 1.." + CAPACITY_SECTORS_MAX + " sectors: " + sectors);
            }
            this.capacitySectors = sectors;
            return this;
        }

        /** Sets the clock for peer certificate validity and evidence age (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Attaches INSECURE test hooks to the server's RAM; refused at {@link #start()} unless the
         * identity is on the SIMULATED platform.
         */
        public Builder testHooks(TestHooks hooks) {
            this.testHooks = Objects.requireNonNull(hooks, "hooks");
            return this;
        }

        /**
         * Allocates the sectors, binds the address and starts serving.
         *
         * @throws IllegalStateException if no capacity was set, or test hooks were asked for on a
         *     non-simulated platform
         * @throws IOException if the address cannot be bound
         */
        public SectorServer start() throws IOException {
            if (capacitySectors == 0) {
                throw new IllegalStateException("capacitySectors was not set");
            }
            TeePlatform platform = identity.evidence().platform();
            if (testHooks != null && platform != TeePlatform.SIMULATED) {
                throw new IllegalStateException("test hooks expose RAM and are refused on platform " + platform);
            }
            SectorStore store = new SectorStore(capacitySectors);
            AuthorizedWriters writers =
                    authorityKey == null ? new AuthorizedWriters() : new AuthorizedWriters(authorityKey);
            if (testHooks != null) {
                // Before anything starts, so hooks already used elsewhere leave nothing running.
                testHooks.attach(store, clone -> new SectorService(identity, clone, writers).definition());
            }
            SectorService service = new SectorService(identity, store, writers);
            AttestedTrustManager trustManager = AttestedTrustManager.builder(verifier)
                    .acceptRoles(Role.CACHE, Role.TABLET_STORE, Role.CLIENT)
                    .clock(clock)
                    .build();
            ThreadPoolExecutor executor = newExecutor();
            Server server;
            try {
                server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                        .sslContext(AttestedTls.grpcServerContext(new AttestedKeyManager(identity), trustManager))
                        .withChildOption(ChannelOption.TCP_NODELAY, true)
                        .executor(executor)
                        .maxInboundMessageSize(INBOUND_MESSAGE_BYTES_MAX)
                        .maxConcurrentCallsPerConnection(CALLS_PER_CONNECTION_MAX)
                        .addService(
                                testHooks == null
                                        ? ServerInterceptors.intercept(
                                                service.definition(), new AttestedPeerInterceptor())
                                        // The hooks' interceptor runs inside the attested one: it needs the peer.
                                        : ServerInterceptors.intercept(
                                                service.definition(),
                                                testHooks.callInterceptor(),
                                                new AttestedPeerInterceptor()))
                        .build()
                        .start();
            } catch (IOException | RuntimeException e) {
                executor.shutdownNow();
                throw e;
            }
            if (testHooks != null) {
                log.warn(
                        "INSECURE: sector server {} runs with test hooks; its RAM can be snapshotted, restored,"
                                + " corrupted, forked and dumped",
                        identity.nodeId());
            }
            log.info(
                    "sector server {} serving {} sectors on {}:{}",
                    identity.nodeId(),
                    capacitySectors,
                    host,
                    server.getPort());
            if (authorityKey == null) {
                log.info(
                        "sector server {} is unclaimed: it refuses writes until a cluster installs its authority key",
                        identity.nodeId());
            }
            return new SectorServer(server, executor, identity, store, service, writers, trustManager);
        }

        private static ThreadPoolExecutor newExecutor() {
            int threads = Math.max(
                    2, Math.min(WORKER_THREADS_MAX, Runtime.getRuntime().availableProcessors()));
            AtomicInteger created = new AtomicInteger();
            return new ThreadPoolExecutor(
                    threads,
                    threads,
                    0,
                    TimeUnit.MILLISECONDS,
                    new ArrayBlockingQueue<>(CALL_QUEUE_MAX),
                    runnable -> {
                        Thread thread = new Thread(runnable, "sector-server-" + created.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    },
                    new ThreadPoolExecutor.CallerRunsPolicy());
        }
    }
}
