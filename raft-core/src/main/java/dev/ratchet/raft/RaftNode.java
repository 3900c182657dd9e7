package dev.ratchet.raft;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.raft.AttestedRaftChannels.RaftPort;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tablet-store Raft node: an Apache Ratis server, hardened and diskless, running a {@link
 * ReplicatedApplication} for one Raft group.
 *
 * <p><b>Lifecycle.</b> {@link #start()} creates a fresh incarnation directory on the RAM root
 * (deleting every dead incarnation there, see {@link IncarnationDirectory}), formats it, and opens
 * the server, client and admin ports, but joins no group: an operator then bootstraps a new group
 * of fresh nodes, or adds this node to a running group ({@link RaftAdmin}). {@link #close()} stops
 * the server and deletes the directory; a shutdown hook does the same if the JVM exits first.
 * A node never restarts: a new process is a new node with a new identity, and its old directory,
 * if the host kept one, is deleted unread.
 *
 * <p><b>Hardening</b> (see ARCHITECTURE.md, "Raft"):
 *
 * <ul>
 *   <li>the Raft peer id is the attested node id, and every port uses {@link AttestedRaftChannels};
 *   <li>the ids inside every Raft RPC are bound to the TLS peer that sends it ({@link
 *       RaftRpcIdBinding}), and every client request passes the application's {@link
 *       RequestAuthorizer} with the attested identity of its sender ({@link ClientRequestGate});
 *   <li>the default segmented log on a RAM filesystem, never Ratis's memory log;
 *   <li>linearizable reads by ReadIndex, with the leader lease off, because the host controls the
 *       clock a lease would trust;
 *   <li>snapshots in memory, shipped by notification mode over the attested server port;
 *   <li>a hash chain over the log, checked against the leader's periodic checkpoints;
 *   <li>fail-stop: a failed log (a full RAM filesystem), a diverged chain, or Ratis closing the
 *       server by itself kills the node loudly, through its {@link NodeDeathListener}.
 * </ul>
 *
 * <p><b>Losing a majority ends the group.</b> Nothing is persisted outside TEE memory, so when a
 * majority of members is gone at once no leader can be elected and nothing commits, for ever.
 * The operator starts a new cluster.
 */
public final class RaftNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

    /** The default RAM root: {@code /dev/shm} is tmpfs on Linux (toolchain.md §6). */
    public static final Path DEFAULT_RAM_ROOT = Path.of("/dev/shm/ratchet");

    private final Builder config;
    private final PeerAddressBook book = new PeerAddressBook();
    private final AttestedRaftChannels channels;
    private final RefusalCounts refusals = new RefusalCounts();
    private final ChainedStateMachine stateMachine;
    private final ExecutorService snapshotFetches;
    private final ScheduledExecutorService checkpoints;
    private final ClientId checkpointClientId = ClientId.randomId();
    private final AtomicLong checkpointCallIds = new AtomicLong();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean dead = new AtomicBoolean();
    private final Thread shutdownHook = new Thread(this::closeQuietly, "raft-node-shutdown");
    // Guarded by this: peers of the applied configuration, and peers an operator said to expect.
    private final Map<RaftPeerId, RaftPeer> configured = new LinkedHashMap<>();
    private final Map<RaftPeerId, RaftPeer> expected = new LinkedHashMap<>();
    private volatile RaftGroupId groupId;
    private volatile IncarnationDirectory directory;
    private volatile RaftServer server;

    private RaftNode(Builder config) {
        this.config = config;
        this.channels = AttestedRaftChannels.forTabletStore(config.identity, config.verifier, book, config.clock);
        this.snapshotFetches = Executors.newSingleThreadExecutor(daemon("raft-snapshot-fetch"));
        this.checkpoints = Executors.newSingleThreadScheduledExecutor(daemon("raft-checkpoint"));
        this.stateMachine = new ChainedStateMachine(config.application, new StateMachineCallbacks(), snapshotFetches);
        rebuildBook();
    }

    /** Returns a builder for a node with {@code identity}, checking peers with {@code verifier}. */
    public static Builder builder(NodeIdentity identity, AttestationVerifier verifier) {
        return new Builder(identity, verifier);
    }

    /** Returns this node's attested id, which is also its Raft peer id. */
    public String nodeId() {
        return config.identity.nodeId();
    }

    /** Returns how other nodes and clients reach this node. */
    public RaftPeer peer() {
        return AttestedRaftChannels.raftPeer(
                nodeId(), config.host, config.serverPort, config.clientPort, config.adminPort);
    }

    /**
     * Creates the incarnation directory and opens the ports; the node then waits for an operator
     * to bootstrap or join a group.
     *
     * @throws IOException if Ratis cannot start
     * @throws IllegalStateException if the node was already started
     */
    public synchronized void start() throws IOException {
        if (directory != null) {
            throw new IllegalStateException("a RaftNode starts once; a new incarnation is a new RaftNode");
        }
        directory = IncarnationDirectory.create(config.ramRoot, nodeId(), config.insecureAllowDisk);
        Parameters parameters = channels.newParameters();
        GrpcConfigKeys.Server.setServicesCustomizer(parameters, listenerCustomizer());
        server = RaftServer.newBuilder()
                .setServerId(channels.peerId())
                .setProperties(properties())
                .setParameters(parameters)
                .setStateMachineRegistry(this::stateMachineFor)
                .setOption(RaftStorage.StartupOption.FORMAT)
                .build();
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        server.start();
        long intervalMillis = config.checkpointInterval.toMillis();
        checkpoints.scheduleWithFixedDelay(
                this::checkpointIfLeader, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        LOG.info("Raft node {} started at {}, in {}", nodeId(), peer().getAddress(), directory.path());
    }

    // What Ratchet adds to Ratis's listeners: its side channels, and the interceptors that bind
    // what a call says about its sender to the attested TLS peer. The interceptors pick their own
    // service by name, so they are right even where services share a listener.
    private GrpcServices.Customizer listenerCustomizer() {
        GrpcServices.Customizer sideChannels =
                SideChannels.customizer(stateMachine::latestSnapshotBytes, this::expectPeers);
        RaftRpcIdBinding idBinding = new RaftRpcIdBinding(channels.peerId(), refusals);
        ClientRequestGate gate = new ClientRequestGate(config.authorizer, refusals);
        return (NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) -> {
            NettyServerBuilder customized = sideChannels.customize(builder, types);
            if (types.contains(GrpcServices.Type.SERVER)) {
                customized.intercept(idBinding);
            }
            if (types.contains(GrpcServices.Type.CLIENT)) {
                customized.intercept(gate);
            }
            return customized;
        };
    }

    // One node, one group: a second group would share this node's state machine and chain.
    private StateMachine stateMachineFor(RaftGroupId requested) {
        synchronized (this) {
            if (groupId == null) {
                groupId = requested;
            } else if (!groupId.equals(requested)) {
                throw new IllegalStateException("this node already serves group " + groupId + ", not " + requested);
            }
        }
        return stateMachine;
    }

    private RaftProperties properties() {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(directory.ratisStorage().toFile()));
        // The memory log breaks on purge and on logs that start above 0 (ratis-guide §2.1).
        RaftServerConfigKeys.Log.setUseMemory(p, false);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(config.logSegmentSizeBytes));
        RaftServerConfigKeys.Log.setPreallocatedSize(
                p, SizeInBytes.valueOf(Math.min(config.logSegmentSizeBytes, 1L << 20)));
        // Bounded RAM: purge to each snapshot even if a dead member lags (ratis-guide §2.3).
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(Integer.MAX_VALUE, config.snapshotEveryEntries));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotEveryEntries);
        // Nothing outlives the process, so a snapshot at stop would be thrown away at once.
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, false);
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, false);
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, millis(config.electionTimeoutMin));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, millis(config.electionTimeoutMax));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, millis(config.electionTimeoutMin.dividedBy(3)));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, millis(config.electionTimeoutMax.dividedBy(3)));
        // Advice, not enforced: an RPC must outlast an election timeout (ratis-guide §6).
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, millis(config.electionTimeoutMax.multipliedBy(5)));
        // A joiner fetches a whole snapshot while staged; the default (3 x timeout.max) is too short.
        RaftServerConfigKeys.setStagingTimeout(p, millis(Duration.ofSeconds(SideChannels.CALL_DEADLINE_SECONDS)));
        AttestedRaftChannels.bindPorts(p, config.host, config.serverPort, config.clientPort, config.adminPort);
        return p;
    }

    /** Stops the server and deletes the incarnation directory; idempotent. */
    @Override
    public void close() throws IOException {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        checkpoints.shutdownNow();
        snapshotFetches.shutdownNow();
        try {
            RaftServer s = server;
            if (s != null) {
                s.close();
            }
        } finally {
            IncarnationDirectory d = directory;
            if (d != null) {
                d.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // already shutting down, or never registered: the hook is this very call
            }
        }
    }

    /**
     * Stops the server but leaves the directory on the RAM root, as a crashed process would leave
     * it: for tests showing that nothing ever takes part with an old directory.
     */
    Path crashKeepingDirectoryForTest() throws IOException {
        closing.set(true);
        checkpoints.shutdownNow();
        snapshotFetches.shutdownNow();
        server.close();
        directory.abandonForTest();
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
        return directory.path();
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing Raft node {} failed", nodeId(), e);
        }
    }

    /** Kills the node: stop everything, delete the directory, then tell the listener. */
    void die(String reason, Throwable cause) {
        if (closing.get() || !dead.compareAndSet(false, true)) {
            return;
        }
        LOG.error("RAFT NODE {} IS DEAD: {}", nodeId(), reason, cause);
        // Never close from the calling thread: it may be a Ratis thread that close() joins.
        Thread killer = new Thread(
                () -> {
                    closeQuietly();
                    config.deathListener.onDeath(reason, cause);
                },
                "raft-node-death");
        killer.setDaemon(true);
        killer.start();
    }

    /** Returns whether this node died (rather than being closed). */
    boolean isDead() {
        return dead.get();
    }

    // Called on the admin port by an operator, before the peers join.
    private synchronized void expectPeers(List<RaftPeer> peers) {
        Map<RaftPeerId, RaftPeer> before = new LinkedHashMap<>(expected);
        for (RaftPeer peer : peers) {
            if (!peer.getId().equals(channels.peerId())) {
                expected.put(peer.getId(), peer);
            }
        }
        try {
            rebuildBook();
        } catch (IllegalArgumentException e) {
            expected.clear();
            expected.putAll(before);
            rebuildBook();
            throw e;
        }
        LOG.info(
                "Raft node {} now expects {}",
                nodeId(),
                peers.stream().map(RaftPeer::getId).toList());
    }

    private synchronized void membershipChanged(Collection<RaftPeer> peers) {
        configured.clear();
        for (RaftPeer peer : peers) {
            configured.put(peer.getId(), peer);
            // Once configured, a peer's trust follows the configuration: removing it revokes it.
            expected.remove(peer.getId());
        }
        try {
            rebuildBook();
        } catch (IllegalArgumentException e) {
            LOG.warn("expected peers conflict with the new configuration; dropping them: {}", e.getMessage());
            expected.clear();
            rebuildBook();
        }
    }

    private synchronized void rebuildBook() {
        List<RaftPeer> all = new ArrayList<>(configured.values());
        all.addAll(expected.values());
        if (!configured.containsKey(channels.peerId())) {
            all.add(peer());
        }
        book.replace(all);
    }

    // The leader logs its own chain head; followers check theirs against it when they apply it.
    private void checkpointIfLeader() {
        try {
            RaftGroupId group = groupId;
            RaftServer s = server;
            if (group == null || s == null || closing.get()) {
                return;
            }
            var info = s.getDivision(group).getInfo();
            if (!info.isLeader() || !info.isLeaderReady()) {
                return;
            }
            checkpointNow(s, group);
        } catch (IOException | RuntimeException e) {
            LOG.debug("no checkpoint this round", e);
        }
    }

    private void checkpointNow(RaftServer s, RaftGroupId group) throws IOException {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(checkpointClientId)
                .setServerId(s.getId())
                .setGroupId(group)
                .setCallId(checkpointCallIds.incrementAndGet())
                .setMessage(Message.valueOf(ByteString.copyFrom(LogEnvelope.CHECKPOINT_REQUEST.wrap(new byte[0]))))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        s.submitClientRequestAsync(request);
    }

    /** Logs a checkpoint now if this node leads: for tests that cannot wait for the timer. */
    void checkpointNowForTest() throws IOException {
        checkpointNow(server, groupId);
    }

    /** Returns this replica's chain head. */
    HashChain.Head chainHead() {
        return stateMachine.chainHead();
    }

    /**
     * Returns how many calls and client requests this node refused after the TLS handshake, by
     * refusal code: {@code REQUESTOR_ID_MISMATCH}, {@code REPLY_ID_MISMATCH}, {@code UNCHECKED_RPC}
     * and {@code NOT_ATTESTED} on the listeners, and the {@link RequestRefusedException} codes of
     * client requests (raft-core's and the application's). Handshake refusals are counted by the
     * trust managers instead.
     */
    public Map<String, Long> refusalCounts() {
        return refusals.snapshot();
    }

    /** Returns whether this node currently trusts {@code nodeId} on its server port. */
    boolean trusts(String nodeId) {
        return book.contains(nodeId);
    }

    /** Returns how many leader checkpoints this replica has checked and found in agreement. */
    long checkpointsAgreed() {
        return stateMachine.checkpointsAgreed();
    }

    /** Returns the Ratis division of this node's group, if it has joined one. */
    Optional<RaftServer.Division> division() {
        RaftGroupId group = groupId;
        try {
            return group == null || closing.get() ? Optional.empty() : Optional.of(server.getDivision(group));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Returns this node's state machine, for tests. */
    ChainedStateMachine stateMachine() {
        return stateMachine;
    }

    /** Returns the incarnation directory, for tests. */
    Path directory() {
        return directory.path();
    }

    /** Returns the channels, for tests that read refusal counts. */
    AttestedRaftChannels channels() {
        return channels;
    }

    private byte[] fetchSnapshot(String serverAddress) throws IOException {
        return SideChannels.fetchSnapshot(channels.tlsConf(RaftPort.SERVER).orElseThrow(), serverAddress);
    }

    private final class StateMachineCallbacks implements ChainedStateMachine.Node {
        @Override
        public void die(String reason, Throwable cause) {
            RaftNode.this.die(reason, cause);
        }

        @Override
        public void membershipChanged(Collection<RaftPeer> peers) {
            RaftNode.this.membershipChanged(peers);
        }

        @Override
        public byte[] fetchSnapshot(String serverAddress) throws IOException {
            return RaftNode.this.fetchSnapshot(serverAddress);
        }

        @Override
        public void serverShutDown() {
            RaftNode.this.die(
                    "Ratis shut this server down by itself (removed from the group, a JVM pause longer than"
                            + " raft.server.close.threshold, or an internal failure); a Ratchet node never"
                            + " resumes, replace it with a fresh node",
                    null);
        }
    }

    private static TimeDuration millis(Duration duration) {
        return TimeDuration.valueOf(duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Configures a {@link RaftNode}; every setting has a production default except the ports. */
    public static final class Builder {
        private final NodeIdentity identity;
        private final AttestationVerifier verifier;
        private Clock clock = Clock.systemUTC();
        private String host;
        private int serverPort;
        private int clientPort;
        private int adminPort;
        private Path ramRoot = DEFAULT_RAM_ROOT;
        private boolean insecureAllowDisk;
        private ReplicatedApplication application;
        private NodeDeathListener deathListener = NodeDeathListener.EXIT;
        private RequestAuthorizer authorizer = RequestAuthorizer.ADMIT_ALL;
        // Production election timeouts: SGX exits and cross-AZ links need slack (ratis-guide §6).
        private Duration electionTimeoutMin = Duration.ofSeconds(1);
        private Duration electionTimeoutMax = Duration.ofSeconds(2);
        private long snapshotEveryEntries = 100_000;
        private long logSegmentSizeBytes = 8L << 20;
        private Duration checkpointInterval = Duration.ofSeconds(10);

        private Builder(NodeIdentity identity, AttestationVerifier verifier) {
            this.identity = Objects.requireNonNull(identity, "identity");
            this.verifier = Objects.requireNonNull(verifier, "verifier");
        }

        /** Sets the clock that judges evidence and certificate validity. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Sets the address to bind and advertise, and the three distinct Ratis ports. */
        public Builder address(String host, int serverPort, int clientPort, int adminPort) {
            this.host = host;
            this.serverPort = serverPort;
            this.clientPort = clientPort;
            this.adminPort = adminPort;
            return this;
        }

        /** Sets the RAM filesystem directory holding incarnations; {@link #DEFAULT_RAM_ROOT} by default. */
        public Builder ramRoot(Path ramRoot) {
            this.ramRoot = Objects.requireNonNull(ramRoot, "ramRoot");
            return this;
        }

        /**
         * INSECURE, for development: accepts a RAM root that is not a RAM filesystem (with a
         * warning) instead of refusing to start; see {@code IncarnationDirectory.checkRam}.
         */
        public Builder insecureAllowDisk(boolean allow) {
            this.insecureAllowDisk = allow;
            return this;
        }

        /** Sets the replicated application. */
        public Builder application(ReplicatedApplication application) {
            this.application = Objects.requireNonNull(application, "application");
            return this;
        }

        /**
         * Sets the application's rule for which attested caller may send which client request;
         * {@link RequestAuthorizer#ADMIT_ALL} by default.
         */
        public Builder requestAuthorizer(RequestAuthorizer authorizer) {
            this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
            return this;
        }

        /** Sets what happens when the node dies; {@link NodeDeathListener#EXIT} by default. */
        public Builder onDeath(NodeDeathListener deathListener) {
            this.deathListener = Objects.requireNonNull(deathListener, "deathListener");
            return this;
        }

        /** Sets the randomized election timeout range; 1 s to 2 s by default. */
        public Builder electionTimeout(Duration min, Duration max) {
            if (min.isNegative() || min.isZero() || max.compareTo(min) <= 0) {
                throw new IllegalArgumentException("election timeout needs 0 < min < max: " + min + ", " + max);
            }
            this.electionTimeoutMin = min;
            this.electionTimeoutMax = max;
            return this;
        }

        /** Sets how many applied entries trigger an in-memory snapshot and a log purge; 100 000 by default. */
        public Builder snapshotEveryEntries(long entries) {
            if (entries < 1) {
                throw new IllegalArgumentException("snapshotEveryEntries must be positive: " + entries);
            }
            this.snapshotEveryEntries = entries;
            return this;
        }

        /** Sets the log segment size; only closed segments are purged, so it bounds unpurgeable RAM. */
        public Builder logSegmentSizeBytes(long bytes) {
            if (bytes < 16 << 10) {
                throw new IllegalArgumentException("log segments below 16 KiB are pointless: " + bytes);
            }
            this.logSegmentSizeBytes = bytes;
            return this;
        }

        /** Sets how often the leader logs a checkpoint of its chain head; 10 s by default. */
        public Builder checkpointInterval(Duration interval) {
            if (interval.toMillis() < 1) {
                throw new IllegalArgumentException("checkpoint interval must be at least 1 ms: " + interval);
            }
            this.checkpointInterval = interval;
            return this;
        }

        /**
         * Returns the node, not yet started.
         *
         * @throws IllegalArgumentException if the identity is not a tablet-store identity, or the
         *     address or ports are invalid
         * @throws IllegalStateException if no application was set
         */
        public RaftNode build() {
            if (application == null) {
                throw new IllegalStateException("a RaftNode needs an application");
            }
            // Validates host and ports the way the server will bind them.
            AttestedRaftChannels.bindPorts(new RaftProperties(), host, serverPort, clientPort, adminPort);
            return new RaftNode(this);
        }
    }
}
