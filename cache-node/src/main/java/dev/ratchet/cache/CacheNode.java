package dev.ratchet.cache;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import dev.ratchet.attestation.tls.AttestedKeyManager;
import dev.ratchet.attestation.tls.AttestedPeerInterceptor;
import dev.ratchet.attestation.tls.AttestedTls;
import dev.ratchet.attestation.tls.AttestedTrustManager;
import dev.ratchet.client.proto.RebuildStatus;
import dev.ratchet.client.proto.StatusResponse;
import dev.ratchet.raft.RaftGroupClient;
import dev.ratchet.sector.array.ArrayHealth;
import dev.ratchet.sector.array.GrpcSectorDevice;
import dev.ratchet.sector.array.SectorArray;
import dev.ratchet.sector.array.SectorDevice;
import dev.ratchet.tablet.Proposals;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.TabletStoreNode;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.DeregisterCacheNode;
import dev.ratchet.tablet.proto.RegisterCacheNode;
import dev.ratchet.tablet.proto.RegisterCacheNodeResult;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.Slot;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import javax.net.ssl.SSLException;
import org.apache.ratis.protocol.RaftPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cache node: serves the client protocol (kv.proto) over attested TLS, batches each tablet's
 * writes into sealed whole-tablet versions on the sector array, commits them through the tablet
 * store, and serves linearizable reads (DESIGN.md §6).
 *
 * <h2>What it trusts, and why</h2>
 *
 * <ul>
 *   <li>Its own TEE, for its memory: data keys and decrypted tablets live only there.
 *   <li>The tablet store (a Raft majority of attested TEE nodes, reached over attested TLS that
 *       accepts only role tablet-store with the node ids it was given), for what is current: tablet
 *       versions, blob locations, shard digests, data keys, the array's slots and deaths. Reads are
 *       linearizable queries (ReadIndex), so a stale leader cannot answer.
 *   <li>Nothing the sector servers say, beyond their attested identity: every shard is checked
 *       against the digest the tablet store pinned, and every blob is authenticated (HMAC over the
 *       ciphertext, with the tablet id, version and key epoch bound in) before it is parsed. A
 *       rolled-back, corrupt or lying server is decoded around, never believed.
 *   <li>Clients only for who they are: the caller's role comes from the attested TLS session
 *       (role client, anything else is WRONG_ROLE), never from a message field.
 * </ul>
 *
 * <h2>Lifecycle</h2>
 *
 * <pre>
 *   start: connect to the tablet store -> query the array -> one attested device per slot
 *          -> RegisterCacheNode (its id and measurement) -> push the signed writer set to every
 *          sector server -> query data keys and ring -> serve
 *   close: refuse new requests -> stop the server -> release unused stripes
 *          -> DeregisterCacheNode -> push the smaller writer set -> close the array and client
 * </pre>
 *
 * <h2>Threads</h2>
 *
 * <p>gRPC's threads only check a request and queue it; they never wait. A fixed pool of {@value
 * ServingLimits#WORKER_THREADS} workers runs tablet flushes (at most one per tablet), read batches
 * (one at a time), trim rounds (one at a time), maintenance, status answers and rebuilds; they
 * block on the tablet store and on the array's futures, which complete on the array's own codec
 * and timer threads, so workers never wait for each other. One timer thread starts lingering
 * batches and the once-a-second maintenance. One heartbeat thread of its own logs this node's
 * heartbeats (see {@link Heartbeats}), so a node whose workers are all blocked is still alive to
 * its peers. Locks guard only in-memory state, with two
 * deliberate exceptions that hold a lock across one Raft command: the stripe pool while it
 * reserves (concurrent takers would each reserve otherwise) and the slot watch while it reports a
 * death (two reports of one server must not race for the same death-record version).
 *
 * <p>Nothing it holds needs to survive it: a crashed cache node leaves at most reserved stripes
 * (released when another node expires it, see {@link Heartbeats}, or an operator deregisters it)
 * and stripes pending trim (any other node trims them).
 *
 * <p>Thread-safe.
 */
public final class CacheNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheNode.class);

    /** How often the node re-reads the array view (deaths by other nodes, stripes to trim): 1 s. */
    static final long MAINTENANCE_INTERVAL_MILLIS = 1_000;

    /** Maintenance rounds between two reads of the tablet store's membership: 5 s. */
    static final int MEMBERSHIP_ROUNDS = 5;

    private final AtomicLong maintenanceRounds = new AtomicLong();
    private final AtomicBoolean followingMembership = new AtomicBoolean();

    /** How long a clean close waits for calls in flight. */
    static final long CLOSE_GRACE_MILLIS = 5_000;

    private final NodeIdentity identity;
    private final TabletStoreClient storeClient;
    private final TabletDirectory directory;
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final ScheduledExecutorService heartbeat;
    private final SectorArray array;
    private final WriterSetPush writerSets;
    private final SlotWatch slots;
    private final StripePool pool;
    private final TabletBlobs blobs;
    private final Trimmer trimmer;
    private final TabletWriter writer;
    private final KvEndpoint endpoint;
    private final Rebuilds rebuilds;
    private final Server server;
    private final String host;
    private final Heartbeats heartbeats;
    private final Runnable onRemoved;

    private final Object closeLock = new Object();

    /** Guarded by {@link #closeLock}. */
    private boolean closed;

    private CacheNode(Builder b, Started parts) {
        this.identity = b.identity;
        this.host = b.host;
        this.storeClient = parts.storeClient;
        this.directory = parts.directory;
        this.workers = parts.workers;
        this.timer = parts.timer;
        this.heartbeat = parts.heartbeat;
        this.array = parts.array;
        this.writerSets = parts.writerSets;
        this.slots = parts.slots;
        this.pool = parts.pool;
        this.blobs = parts.blobs;
        this.trimmer = parts.trimmer;
        this.writer = parts.writer;
        this.endpoint = parts.endpoint;
        this.rebuilds = parts.rebuilds;
        this.server = parts.server;
        this.onRemoved = b.onRemoved;
        this.heartbeats =
                new Heartbeats(directory, writerSets, System::nanoTime, b.peerExpiryNanos, this::removedFromStore);
    }

    /**
     * Stops serving after the tablet store said this node is no longer registered: its stripes
     * and its place in the writer set are gone, so every later request gets NOT_SERVING (clients
     * fail over) and the owner is told, to restart it as a new node.
     */
    private void removedFromStore() {
        endpoint.stopServing("this cache node is no longer registered with the tablet store; it must be restarted");
        trimmer.stop();
        try {
            onRemoved.run();
        } catch (RuntimeException e) {
            log.warn("the removal listener failed: {}", e.getMessage());
        }
    }

    /** Whether the tablet store has told this node it is no longer registered. */
    public boolean removed() {
        return heartbeats.removed();
    }

    /**
     * Returns a builder for a cache node presenting {@code identity} (role cache), checking peers
     * with {@code verifier}, and using the tablet-store group whose members are {@code
     * tabletStorePeers} (reached on their client ports).
     */
    public static Builder builder(
            NodeIdentity identity, AttestationVerifier verifier, List<RaftPeer> tabletStorePeers) {
        return new Builder(identity, verifier, tabletStorePeers);
    }

    /** Returns this node's attested id. */
    public String nodeId() {
        return identity.nodeId();
    }

    /** Returns the port the client protocol is served on (the bound one if 0 was asked for). */
    public int port() {
        return server.getPort();
    }

    /** Returns {@code host:port} as clients dial it. */
    public String address() {
        return host + ":" + port();
    }

    /**
     * Replaces the sector server of the DEAD slot {@code slot} with the fresh server {@code
     * nodeId} at {@code address}: AssignReplacement in the tablet store, the writer set installed
     * on it, every live stripe's shard for the slot decoded from the others and written to it
     * (each checked against its pinned digest), then MarkSlotRebuilt. Progress goes to {@code
     * progress} after each batch and is shown by the Status RPC.
     *
     * <p>Trims pause during the rebuild. Writes by this node reach the new server at once; writes
     * committed meanwhile by other cache nodes miss it, and their shards on this slot are decoded
     * around (as erasures) until those tablets are written again.
     *
     * @return the final progress; fails if the slot is not DEAD, the replacement is refused, or the
     *     rebuild fails (the slot then stays DEAD in this node and REBUILDING in the store)
     */
    public CompletableFuture<RebuildStatus> rebuild(
            int slot, String nodeId, String address, Consumer<RebuildStatus> progress) {
        return rebuilds.start(slot, nodeId, address, progress);
    }

    /** Returns what the Status RPC answers. */
    public StatusResponse status() {
        return StatusReport.status(directory, storeClient, storeClient.peers(), array, rebuilds);
    }

    /**
     * Stops serving, releases this node's unused stripes, deregisters it from the tablet store
     * and pushes the writer set without it; idempotent. A node that cannot reach the store still
     * closes; its reservations are then released when another node expires it or an operator
     * removes it.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        endpoint.stopServing();
        server.shutdown();
        try {
            if (!server.awaitTermination(CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        timer.shutdownNow();
        heartbeat.shutdownNow();
        trimmer.stop();
        try {
            pool.releaseAll();
            directory.submit(directory
                    .command()
                    .setDeregisterCacheNode(DeregisterCacheNode.newBuilder().setNodeId(nodeId()))
                    .build());
            writerSets.pushCurrent();
        } catch (RuntimeException e) {
            log.warn("cache node {} could not deregister cleanly: {}", nodeId(), e.getMessage());
        }
        workers.shutdownNow();
        array.close();
        try {
            storeClient.close();
        } catch (IOException e) {
            log.warn("closing the tablet-store client failed: {}", e.getMessage());
        }
        log.info("cache node {} stopped", nodeId());
    }

    /** Returns this node's view of the sector array's slots and their faults (for tests). */
    ArrayHealth arrayHealth() {
        return array.health();
    }

    /**
     * Test hook: while {@code held}, this node's maintenance rounds do not bring its array in line
     * with the tablet store (deaths, replacements), as if they were slow; a refusal from the store
     * (ARRAY_CHANGED) still makes it follow.
     */
    void holdMaintenanceFollowForTest(boolean held) {
        slots.holdFollowForTest(held);
    }

    /** Returns this node's copy of the tablet store's logical clock (for tests). */
    long storeClockTicks() {
        return directory.clockTicks();
    }

    /** Returns the reserved stripes in this node's pool, free for the next writes (for tests). */
    int freeStripes() {
        return pool.freeCount();
    }

    /** Returns the stripes held for commits whose outcome is not settled yet (for tests). */
    int unsettledStripes() {
        return blobs.unsettledStripeCount();
    }

    /** Returns the ops waiting in tablet queues (for tests). */
    int waitingWrites() {
        return writer.waitingCount();
    }

    /**
     * Test hook: stops this node as a crash would. The server is shut down at once (calls in
     * flight fail, answered or not), flushes are interrupted wherever they are (a commit already
     * submitted may still land), and nothing is released: the node stays registered, its stripes
     * stay reserved, and the writer set keeps it. A later {@link #close} does nothing.
     */
    void crashForTest() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        server.shutdownNow();
        timer.shutdownNow();
        heartbeat.shutdownNow();
        trimmer.stop();
        workers.shutdownNow();
        array.close();
        try {
            storeClient.close();
        } catch (IOException e) {
            log.warn("closing the tablet-store client of a crashed node failed: {}", e.getMessage());
        }
        log.info("cache node {} crashed (test hook)", nodeId());
    }

    /**
     * Test hook: from now on, drops the tablet store's answer to every command {@code which}
     * accepts after the store applied it, so the ops it carried end OUTCOME_UNKNOWN although they
     * took effect. {@code command -> false} turns it off.
     */
    void dropCommandAnswersForTest(Predicate<Command> which) {
        directory.dropAnswersForTest(which);
    }

    /**
     * Test hook: from now on, loses every command {@code which} accepts before the tablet store
     * logs it (as a leader that died before replicating it would), so its ops end OUTCOME_UNKNOWN
     * although nothing took effect. {@code command -> false} turns it off.
     */
    void loseCommandsForTest(Predicate<Command> which) {
        directory.loseForTest(which);
    }

    /**
     * Test hook: from now on, throws {@code failure.apply(command)} (when not null) right after
     * the tablet store applied a command, as an unexpected bug or runtime failure would.
     */
    void failAfterApplyForTest(java.util.function.Function<Command, RuntimeException> failure) {
        directory.failAfterApplyForTest(failure);
    }

    /**
     * Test hook: fills every worker with a task that blocks until {@code release} opens, as a node
     * whose flushes all wait on a slow tablet store would be; returns once all of them run.
     */
    void occupyWorkersForTest(java.util.concurrent.CountDownLatch release) throws InterruptedException {
        java.util.concurrent.CountDownLatch running =
                new java.util.concurrent.CountDownLatch(ServingLimits.WORKER_THREADS);
        for (int i = 0; i < ServingLimits.WORKER_THREADS; i++) {
            workers.execute(() -> {
                running.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        if (!running.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the workers did not all start the blocking tasks");
        }
    }

    /** Runs trim rounds until nothing is pending (for tests). */
    void trimAllNow() {
        while (trimmer.roundNow() > 0) {
            // until the pending list is empty
        }
    }

    /** The parts {@link Builder#start} assembles, in order. */
    private static final class Started {
        TabletStoreClient storeClient;
        TabletDirectory directory;
        ExecutorService workers;
        ScheduledExecutorService timer;
        ScheduledExecutorService heartbeat;
        SectorArray array;
        WriterSetPush writerSets;
        SlotWatch slots;
        StripePool pool;
        TabletBlobs blobs;
        Trimmer trimmer;
        TabletWriter writer;
        // Volatile: the slot watch reads it from other threads once the node serves.
        volatile KvEndpoint endpoint;
        Rebuilds rebuilds;
        Server server;

        void closeQuietly() {
            if (server != null) {
                server.shutdownNow();
            }
            if (timer != null) {
                timer.shutdownNow();
            }
            if (heartbeat != null) {
                heartbeat.shutdownNow();
            }
            if (workers != null) {
                workers.shutdownNow();
            }
            if (array != null) {
                array.close();
            }
            if (storeClient != null) {
                try {
                    storeClient.close();
                } catch (IOException e) {
                    // failing start; the original failure is what matters
                }
            }
        }
    }

    /** Configures and starts a {@link CacheNode}. */
    public static final class Builder {
        private final NodeIdentity identity;
        private final AttestationVerifier verifier;
        private final List<RaftPeer> tabletStorePeers;
        private String host = "127.0.0.1";
        private int port;
        private Clock clock = Clock.systemUTC();
        private String measurementHex;
        private int tabletQueueDepthMax = ServingLimits.TABLET_QUEUE_DEPTH_MAX_DEFAULT;
        private int inFlightRequestsMax = ServingLimits.IN_FLIGHT_REQUESTS_MAX_DEFAULT;
        private long splitPlaintextBytes = ServingLimits.SPLIT_PLAINTEXT_BYTES_DEFAULT;
        private long sectorCallTimeoutMillis = SectorArray.Builder.CALL_TIMEOUT_MILLIS_DEFAULT;
        private Duration tabletStoreTimeout = Duration.ofSeconds(5);
        private long peerExpiryNanos = Heartbeats.EXPIRY_NANOS_DEFAULT;
        private Runnable onRemoved = () -> {};
        private Trimmer.ZeroingStep trimZeroing = Trimmer.ZeroingStep.NOW;
        private Set<SafetyBreak> safetyBreaks = EnumSet.noneOf(SafetyBreak.class);

        private Builder(NodeIdentity identity, AttestationVerifier verifier, List<RaftPeer> tabletStorePeers) {
            this.identity = Objects.requireNonNull(identity, "identity");
            this.verifier = Objects.requireNonNull(verifier, "verifier");
            this.tabletStorePeers = List.copyOf(tabletStorePeers);
            if (identity.role() != Role.CACHE) {
                throw new IllegalArgumentException("a cache node runs as role cache, not " + identity.role());
            }
            if (this.tabletStorePeers.isEmpty()) {
                throw new IllegalArgumentException("at least one tablet-store peer is needed");
            }
        }

        /** Sets the address to serve clients on (default 127.0.0.1, port 0: any free port). */
        public Builder listen(String listenHost, int listenPort) {
            if (listenPort < 0 || listenPort > 65_535) {
                throw new IllegalArgumentException("port must be 0..65535: " + listenPort);
            }
            this.host = Objects.requireNonNull(listenHost, "listenHost");
            this.port = listenPort;
            return this;
        }

        /** Sets the clock for certificate validity and evidence age (default: system UTC). */
        public Builder clock(Clock nodeClock) {
            this.clock = Objects.requireNonNull(nodeClock, "nodeClock");
            return this;
        }

        /**
         * Sets the measurement registered with the tablet store; by default the one in this node's
         * own evidence, as the verifier reads it.
         */
        public Builder measurementHex(String hex) {
            this.measurementHex = Objects.requireNonNull(hex, "hex");
            return this;
        }

        /** Sets the ops that may wait per tablet before OVERLOADED. */
        public Builder tabletQueueDepthMax(int depth) {
            if (depth < 1) {
                throw new IllegalArgumentException("tabletQueueDepthMax < 1: " + depth);
            }
            this.tabletQueueDepthMax = depth;
            return this;
        }

        /** Sets the requests in flight on this node before OVERLOADED. */
        public Builder inFlightRequestsMax(int requests) {
            if (requests < 1) {
                throw new IllegalArgumentException("inFlightRequestsMax < 1: " + requests);
            }
            this.inFlightRequestsMax = requests;
            return this;
        }

        /** Sets the size of a tablet's entries (its plaintext without the idempotency window) past which it is split. */
        public Builder splitPlaintextBytes(long bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("splitPlaintextBytes < 1024: " + bytes);
            }
            this.splitPlaintextBytes = bytes;
            return this;
        }

        /**
         * Turns on deliberate safety bugs, for the chaos tests' negative controls only ({@link
         * SafetyBreak}); {@link #start} refuses any unless this node's identity is on the
         * simulated platform.
         */
        public Builder safetyBreaks(Set<SafetyBreak> breaks) {
            this.safetyBreaks = breaks.isEmpty() ? EnumSet.noneOf(SafetyBreak.class) : EnumSet.copyOf(breaks);
            return this;
        }

        /** Sets how long a sector-server call may take before it counts as an erasure. */
        public Builder sectorCallTimeoutMillis(long millis) {
            if (millis < 1) {
                throw new IllegalArgumentException("sectorCallTimeoutMillis < 1: " + millis);
            }
            this.sectorCallTimeoutMillis = millis;
            return this;
        }

        /** Sets how long one tablet-store request attempt may take. */
        public Builder tabletStoreTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("tabletStoreTimeout must be positive: " + timeout);
            }
            this.tabletStoreTimeout = timeout;
            return this;
        }

        /**
         * Sets how long another cache node's heartbeats may stand still before this node expires
         * it (default 30 s).
         */
        public Builder peerExpiry(Duration expiry) {
            if (expiry.isNegative() || expiry.isZero()) {
                throw new IllegalArgumentException("peerExpiry must be positive: " + expiry);
            }
            this.peerExpiryNanos = expiry.toNanos();
            return this;
        }

        /**
         * Test hook: runs every trim round's zeroing through {@code step}, so a test can hold a
         * trimmer between choosing its stripes and zeroing them.
         */
        Builder trimZeroingForTest(Trimmer.ZeroingStep step) {
            this.trimZeroing = Objects.requireNonNull(step, "step");
            return this;
        }

        /**
         * Sets what runs once if the tablet store says this node is no longer registered (another
         * node expired it, an operator deregistered it, or a policy change evicted it). The node
         * has already stopped serving; the command-line launcher exits so it is restarted.
         */
        public Builder onRemoved(Runnable listener) {
            this.onRemoved = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Connects, registers and starts serving.
         *
         * @throws IOException if the tablet store or the listen address cannot be reached, or the
         *     store refuses to register this node
         */
        public CacheNode start() throws IOException {
            if (!safetyBreaks.isEmpty() && identity.evidence().platform() != TeePlatform.SIMULATED) {
                // The negative controls break the store's promises on purpose: never on a real TEE.
                throw new IllegalStateException(
                        "safety breaks " + safetyBreaks + " are for chaos tests on the simulated platform only, not on "
                                + identity.evidence().platform());
            }
            if (!safetyBreaks.isEmpty()) {
                log.error("SAFETY BROKEN ON PURPOSE for a chaos test's negative control: {}", safetyBreaks);
            }
            Started parts = new Started();
            try {
                assemble(parts);
                CacheNode node = new CacheNode(this, parts);
                parts.timer.scheduleWithFixedDelay(
                        () -> parts.workers.execute(node::maintain),
                        MAINTENANCE_INTERVAL_MILLIS,
                        MAINTENANCE_INTERVAL_MILLIS,
                        TimeUnit.MILLISECONDS);
                parts.heartbeat.scheduleWithFixedDelay(
                        node::beat, 0, MAINTENANCE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
                log.info("cache node {} serving on {}:{}", identity.nodeId(), host, parts.server.getPort());
                return node;
            } catch (KvException e) {
                parts.closeQuietly();
                throw new IOException(e.getMessage(), e);
            } catch (IOException | RuntimeException e) {
                parts.closeQuietly();
                throw e;
            }
        }

        private void assemble(Started parts) throws IOException {
            String measurement = measurementHex != null ? measurementHex : ownMeasurement();
            parts.storeClient = new TabletStoreClient(
                    RaftGroupClient.builder(identity, verifier, TabletStoreNode.GROUP_ID, tabletStorePeers)
                            .clock(clock)
                            .requestTimeout(tabletStoreTimeout)
                            .build());
            parts.directory = new TabletDirectory(parts.storeClient, new Proposals(), identity.nodeId());
            parts.workers = Executors.newFixedThreadPool(ServingLimits.WORKER_THREADS, daemonThreads("cache-worker"));
            parts.timer = Executors.newSingleThreadScheduledExecutor(daemonThreads("cache-timer"));
            parts.heartbeat = Executors.newSingleThreadScheduledExecutor(daemonThreads("cache-heartbeat"));
            ArrayView view = parts.directory.array();
            parts.writerSets = new WriterSetPush(identity, verifier, clock, parts.directory);
            parts.slots = new SlotWatch(
                    parts.directory,
                    parts.workers,
                    parts.writerSets,
                    view.getDataShards() + view.getParityShards(),
                    view.getParityShards(),
                    this::device,
                    System::nanoTime,
                    new SlotWatch.LinkHealth() {
                        // The endpoint is built after the watch; until then there is nothing to stop.
                        @Override
                        public void linksDown(String reason) {
                            if (parts.endpoint != null) {
                                parts.endpoint.suspend(reason);
                            }
                        }

                        @Override
                        public void linksUp() {
                            if (parts.endpoint != null) {
                                parts.endpoint.resume();
                            }
                        }
                    });
            SectorArray.Builder arrayBuilder = SectorArray.builder(view.getDataShards(), view.getParityShards())
                    .slots(devices(view))
                    .callTimeoutMillis(sectorCallTimeoutMillis)
                    .faultListener(parts.slots::onFault)
                    .callListener(parts.slots::onCall);
            if (safetyBreaks.contains(SafetyBreak.SKIP_DIGEST)) {
                arrayBuilder.uncheckedShardDigestsForNegativeControl();
            }
            parts.array = arrayBuilder.build();
            parts.slots.attach(parts.array);
            parts.slots.follow(view);
            register(parts.directory, measurement);
            parts.writerSets.pushCurrent();
            parts.directory.refreshDataKeys();
            parts.directory.refreshRing();
            parts.pool = new StripePool(parts.directory, parts.workers);
            TabletSplitter splitter = new TabletSplitter(parts.directory, splitPlaintextBytes);
            parts.blobs = new TabletBlobs(parts.array, view.getDataShards(), parts.directory, parts.pool, parts.slots);
            TabletBlobs blobs = parts.blobs;
            parts.trimmer = new Trimmer(parts.directory, parts.array, parts.writerSets, parts.workers, trimZeroing);
            splitter.attach(blobs, parts.trimmer);
            parts.writer = new TabletWriter(
                    parts.directory,
                    blobs,
                    splitter,
                    parts.workers,
                    parts.timer,
                    tabletQueueDepthMax,
                    safetyBreaks.contains(SafetyBreak.ACK_BEFORE_COMMIT));
            TabletReader reader = new TabletReader(
                    parts.directory, blobs, parts.workers, safetyBreaks.contains(SafetyBreak.UNCONFIRMED_READS));
            parts.rebuilds = new Rebuilds(
                    parts.directory,
                    parts.array,
                    parts.slots,
                    parts.writerSets,
                    parts.workers,
                    (nodeId, address) -> device(nodeId, address),
                    System::nanoTime);
            Rebuilds rebuilds = parts.rebuilds;
            SectorArray array = parts.array;
            TabletDirectory directory = parts.directory;
            TabletStoreClient storeClient = parts.storeClient;
            parts.endpoint = new KvEndpoint(
                    parts.writer,
                    reader,
                    () -> StatusReport.topology(directory),
                    () -> StatusReport.status(directory, storeClient, storeClient.peers(), array, rebuilds),
                    rebuilds,
                    parts.workers,
                    inFlightRequestsMax,
                    directory::clockTicks);
            parts.server = serve(parts.endpoint, directory::clockTicks);
        }

        private String ownMeasurement() throws IOException {
            try {
                return verifier.verifyEvidence(identity.evidence(), null, clock.instant())
                        .measurementHex();
            } catch (AttestationException e) {
                throw new IOException("this node's own evidence does not verify: " + e.getMessage(), e);
            }
        }

        private static void register(TabletDirectory directory, String measurement) throws IOException {
            Result result = directory.submit(directory
                    .command()
                    .setRegisterCacheNode(RegisterCacheNode.newBuilder()
                            .setNodeId(directory.nodeId())
                            .setMeasurementHex(measurement))
                    .build());
            RegisterCacheNodeResult.Status status =
                    result.getRegisterCacheNode().getStatus();
            if (status != RegisterCacheNodeResult.Status.OK
                    && status != RegisterCacheNodeResult.Status.ALREADY_REGISTERED) {
                throw new IOException("the tablet store refused to register this cache node: " + result);
            }
        }

        private List<SectorDevice> devices(ArrayView view) throws IOException {
            List<SectorDevice> devices = new ArrayList<>();
            try {
                for (Slot slot : view.getSlotsList()) {
                    devices.add(device(slot.getNodeId(), slot.getAddress()));
                }
                return devices;
            } catch (IOException | RuntimeException e) {
                devices.forEach(SectorDevice::close);
                throw e;
            }
        }

        private SectorDevice device(String nodeId, String address) throws SSLException {
            int colon = address.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("sector server address is not HOST:PORT: " + address);
            }
            String deviceHost = address.substring(0, colon).replace("[", "").replace("]", "");
            int devicePort = Integer.parseInt(address.substring(colon + 1));
            return new GrpcSectorDevice(
                    deviceHost, devicePort, nodeId, identity, verifier, clock, sectorCallTimeoutMillis);
        }

        private Server serve(KvEndpoint endpoint, LongSupplier clockTicks) throws IOException {
            // Every attested role passes TLS so a wrong role gets WRONG_ROLE from the service
            // instead of a bare handshake failure; the service admits only role client.
            AttestedTrustManager trust = AttestedTrustManager.builder(verifier)
                    .acceptRoles(Role.values())
                    .clock(clock)
                    .build();
            return NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                    .sslContext(AttestedTls.grpcApplicationServerContext(new AttestedKeyManager(identity), trust))
                    .addService(ServerInterceptors.intercept(
                            MalformedRequests.lenient(endpoint.bindService()),
                            new AttestedPeerInterceptor(),
                            new StoreClockTrailer(clockTicks)))
                    .build()
                    .start();
        }

        private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
            AtomicInteger count = new AtomicInteger();
            return runnable -> {
                Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            };
        }
    }

    private void beat() {
        try {
            heartbeats.beatIfDue();
        } catch (RuntimeException e) {
            log.warn("heartbeat failed: {}", e.getMessage());
        }
    }

    private void maintain() {
        if (heartbeats.removed()) {
            return;
        }
        try {
            heartbeats.expireOverdue();
        } catch (RuntimeException e) {
            log.warn("expiry round failed: {}", e.getMessage());
        }
        if (heartbeats.removed()) {
            return;
        }
        try {
            slots.followFromMaintenance(directory.array());
            slots.probeIfLinksDown();
            trimmer.kick();
            blobs.settleUnknownCommits();
        } catch (RuntimeException e) {
            log.warn("maintenance round failed: {}", e.getMessage());
        }
        if (maintenanceRounds.incrementAndGet() % MEMBERSHIP_ROUNDS == 0
                && followingMembership.compareAndSet(false, true)) {
            workers.execute(this::followMembership);
        }
    }

    /**
     * Reads the tablet store's membership and, if members were replaced, talks to the new ones
     * (ARCHITECTURE.md, "Cache nodes follow the tablet store's membership"). On the worker pool,
     * one at a time: when no known member leads, the read waits out the Raft client's retries.
     */
    private void followMembership() {
        try {
            List<String> before = storeClient.peers().stream()
                    .map(peer -> peer.getId().toString())
                    .toList();
            if (storeClient.followMembership()) {
                log.warn(
                        "the tablet store's members changed: now {} (were {})",
                        storeClient.peers().stream()
                                .map(peer -> peer.getId().toString())
                                .toList(),
                        before);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not read the tablet store's membership: {}", e.getMessage());
        } finally {
            followingMembership.set(false);
        }
    }

    /** Logs a heartbeat and runs an expiry round now (for tests that cannot wait for the timer). */
    void heartbeatRoundNow() {
        heartbeats.roundNow();
    }
}
