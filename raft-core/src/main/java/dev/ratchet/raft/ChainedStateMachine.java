package dev.ratchet.raft;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.ProtoUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of a Ratchet node: it runs a {@link ReplicatedApplication}, folds every
 * applied entry into a {@link HashChain}, checks the leader's checkpoints, and keeps snapshots in
 * memory.
 *
 * <p><b>Applying.</b> Entries are applied synchronously, in log order, on Ratis's updater thread,
 * so ReadIndex reads are released only after every earlier write (ratis-guide §3.2). Calls into
 * the application (apply, query, snapshot, restore) are serialized on this object's monitor.
 *
 * <p><b>Fail-stop.</b> A checkpoint that disagrees with this replica's chain, a malformed entry,
 * an application that throws, or a failed log all mean this replica can no longer be trusted to
 * agree with the others. It then refuses every later entry and asks its node to die ({@link
 * Node#die}); it never applies past the divergence.
 *
 * <p><b>Snapshots</b> ({@link #takeSnapshot}) copy the application state and chain head into an
 * {@link InMemorySnapshot}. A follower told to install one (notification mode) fetches the
 * leader's through its node ({@link Node#fetchSnapshot}) on a background executor; Ratis then
 * calls {@link #pause()} and {@link #reinitialize()}, which installs it.
 */
final class ChainedStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(ChainedStateMachine.class);
    private static final byte[] EMPTY = new byte[0];

    /** What the state machine needs from the node that runs it. */
    interface Node {
        /** Stops the node for good; called at most once per cause, from any thread. */
        void die(String reason, Throwable cause);

        /** Reports the peers of a newly applied configuration (old and new during a change). */
        void membershipChanged(Collection<RaftPeer> peers);

        /** Fetches the serialized snapshot of the leader at {@code serverAddress}, or null if none. */
        byte[] fetchSnapshot(String serverAddress) throws IOException;

        /** Reports that Ratis closed this server, whoever asked. */
        void serverShutDown();
    }

    private final ReplicatedApplication application;
    private final Node node;
    private final Executor snapshotFetches;
    private final HashChain chain = new HashChain();
    private final AtomicLong checkpointsAgreed = new AtomicLong();
    private final AtomicLong snapshotsInstalled = new AtomicLong();
    // Written under this object's monitor; volatile so the snapshot service reads it lock-free.
    private volatile InMemorySnapshot latest;
    private volatile boolean diverged;
    // Guarded by this: fetched from the leader, installed by reinitialize().
    private InMemorySnapshot fetched;

    ChainedStateMachine(ReplicatedApplication application, Node node, Executor snapshotFetches) {
        this.application = application;
        this.node = node;
        this.snapshotFetches = snapshotFetches;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
        super.initialize(server, groupId, storage);
        getLifeCycle().startAndTransition(() -> {});
    }

    /**
     * Builds the log entry of a client write, on the leader. A checkpoint request becomes a
     * checkpoint carrying this leader's own chain head; nothing else but an application command
     * may be written (see {@link LogEnvelope} for why). A request the client port's gate refused
     * is answered with its refusal and logs nothing.
     */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        byte[] bytes = request.getMessage().getContent().toByteArray();
        TransactionContext.Builder context =
                TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request);
        LogEnvelope kind = kindOf(bytes);
        if (kind == LogEnvelope.REFUSED) {
            // An exception set in the context, not thrown, is how Ratis answers a write without
            // appending it: the server completes the request's retry-cache entry with the refusal.
            TransactionContext refused = context.build();
            refused.setException(LogEnvelope.refusal(bytes));
            return refused;
        }
        byte[] entry = switch (kind) {
            case COMMAND -> bytes;
            case CHECKPOINT_REQUEST -> LogEnvelope.checkpoint(chain.head());
            default -> throw new StateMachineException("not a write request: " + kind);
        };
        return context.setLogData(ByteString.copyFrom(entry)).build();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
        try {
            byte[] result = applyEntry(entry.getTerm(), entry.getIndex(), data);
            return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(result)));
        } catch (StateMachineException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Applies one state-machine log entry; the core of {@link #applyTransaction}, for tests. */
    synchronized byte[] applyEntry(long term, long index, byte[] data) throws StateMachineException {
        if (diverged) {
            throw new StateMachineException("this replica stopped at a divergence and applies nothing more");
        }
        chain.fold(term, index, data);
        // Applied means folded: a read released after this index sees the chain that covers it.
        updateLastAppliedTermIndex(term, index);
        LogEnvelope kind;
        try {
            kind = LogEnvelope.of(data);
        } catch (IllegalArgumentException e) {
            throw stop("malformed log entry at index " + index + ": " + e.getMessage(), e);
        }
        return switch (kind) {
            case COMMAND -> applyCommand(index, LogEnvelope.payload(data));
            case CHECKPOINT -> checkCheckpoint(index, data);
            default -> throw stop("log entry at index " + index + " is a " + kind + ", which is never logged", null);
        };
    }

    private byte[] applyCommand(long index, byte[] command) throws StateMachineException {
        try {
            return application.apply(command);
        } catch (RuntimeException e) {
            throw stop("the application threw applying index " + index + "; apply must never throw", e);
        }
    }

    private byte[] checkCheckpoint(long index, byte[] data) throws StateMachineException {
        HashChain.Head leader;
        try {
            leader = LogEnvelope.checkpointHead(data);
        } catch (IllegalArgumentException e) {
            throw stop("malformed checkpoint at index " + index + ": " + e.getMessage(), e);
        }
        switch (chain.check(leader)) {
            case AGREES -> checkpointsAgreed.incrementAndGet();
            case UNKNOWN ->
                LOG.info(
                        "checkpoint at index {} names chain index {}, older than this replica remembers; not checked",
                        index,
                        leader.index());
            case DIVERGES ->
                throw stop(
                        "LOG INTEGRITY VIOLATION: the checkpoint at index " + index + " says the chain head at index "
                                + leader.index() + " is " + leader + ", but this replica's is "
                                + chain.describeAt(leader.index())
                                + ". This replica's log differs from the leader's; it stops rather than diverge."
                                + " Replace it with a fresh node.",
                        null);
        }
        return EMPTY;
    }

    private StateMachineException stop(String reason, Throwable cause) {
        diverged = true;
        StateMachineException failure = new StateMachineException(reason);
        if (cause != null) {
            failure.initCause(cause);
        }
        node.die(reason, failure);
        return failure;
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        byte[] bytes = request.getContent().toByteArray();
        try {
            byte[] answer = switch (kindOf(bytes)) {
                case QUERY -> queryApplication(LogEnvelope.payload(bytes));
                // A ping proves who leads, and answers who the members are (RaftGroupClient#members).
                case PING -> membership();
                // Carried as the cause, which is what Ratis sends to the client by class and message.
                case REFUSED -> throw new StateMachineException("request refused", LogEnvelope.refusal(bytes));
                default -> throw new StateMachineException("not a read request: " + kindOf(bytes));
            };
            return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(answer)));
        } catch (StateMachineException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The current configuration's peers, as a RaftConfigurationProto: public, like the addresses. */
    private byte[] membership() throws StateMachineException {
        try {
            RaftConfiguration configuration =
                    getServer().get().getDivision(getGroupId()).getRaftConf();
            return RaftConfigurationProto.newBuilder()
                    .addAllPeers(ProtoUtils.toRaftPeerProtos(configuration.getCurrentPeers()))
                    .build()
                    .toByteArray();
        } catch (IOException | ExecutionException e) {
            throw new StateMachineException("cannot read this server's configuration: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateMachineException("interrupted while reading the configuration");
        }
    }

    private synchronized byte[] queryApplication(byte[] query) throws StateMachineException {
        if (diverged) {
            throw new StateMachineException("this replica stopped at a divergence and answers nothing");
        }
        return application.query(query);
    }

    private static LogEnvelope kindOf(byte[] bytes) throws StateMachineException {
        try {
            return LogEnvelope.of(bytes);
        } catch (IllegalArgumentException e) {
            throw new StateMachineException(e.getMessage());
        }
    }

    @Override
    public synchronized long takeSnapshot() {
        TermIndex applied = getLastAppliedTermIndex();
        if (applied == null || applied.getIndex() < 0 || diverged) {
            return -1;
        }
        latest = new InMemorySnapshot(applied, chain.head(), application.snapshot());
        return applied.getIndex();
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return latest;
    }

    /** Returns the serialized latest snapshot, or null if there is none: what the leader serves. */
    byte[] latestSnapshotBytes() {
        InMemorySnapshot snapshot = latest;
        return snapshot == null ? null : snapshot.encode();
    }

    /** Returns this replica's chain head. */
    HashChain.Head chainHead() {
        return chain.head();
    }

    /**
     * Replaces this replica's chain head with a wrong one, as a substituted log would leave it: for
     * tests showing that the next checkpoint stops the replica.
     */
    synchronized void corruptChainForTest() {
        byte[] digest = chain.head().digest();
        digest[0] ^= 1;
        chain.restore(new HashChain.Head(chain.head().index(), digest));
    }

    /** Returns how many checkpoints this replica checked and found in agreement. */
    long checkpointsAgreed() {
        return checkpointsAgreed.get();
    }

    /** Returns how many leader snapshots this replica installed. */
    long snapshotsInstalled() {
        return snapshotsInstalled.get();
    }

    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(
            RoleInfoProto roleInfo, TermIndex firstTermIndexInLog) {
        String leaderAddress =
                roleInfo.getFollowerInfo().getLeaderInfo().getId().getAddress();
        return CompletableFuture.supplyAsync(() -> fetchFrom(leaderAddress, firstTermIndexInLog), snapshotFetches);
    }

    private TermIndex fetchFrom(String leaderAddress, TermIndex firstTermIndexInLog) {
        byte[] bytes;
        try {
            bytes = node.fetchSnapshot(leaderAddress);
        } catch (IOException e) {
            throw new CompletionException(e);
        }
        if (bytes == null) {
            // Ratis asks every new member once, snapshot or not; the leader then replays its log.
            return null;
        }
        InMemorySnapshot snapshot = InMemorySnapshot.decode(bytes);
        if (snapshot.termIndex().getIndex() + 1 < firstTermIndexInLog.getIndex()) {
            // Ratis logs this and asks again later, when the leader has a newer snapshot.
            throw new CompletionException(new IOException("the leader's snapshot at " + snapshot.termIndex()
                    + " does not reach its log's first entry " + firstTermIndexInLog));
        }
        synchronized (this) {
            fetched = snapshot;
        }
        LOG.info("fetched the leader's snapshot at {} from {}", snapshot.termIndex(), leaderAddress);
        return snapshot.termIndex();
    }

    /** Stops applying before Ratis installs a snapshot (RUNNING to PAUSED), as Ratis requires. */
    @Override
    public synchronized void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /** Installs the fetched snapshot and resumes (PAUSED to RUNNING); Ratis reads its index next. */
    @Override
    public synchronized void reinitialize() throws IOException {
        if (getLifeCycleState() != LifeCycle.State.PAUSED) {
            throw new IllegalStateException("reinitialize() needs a paused state machine, not " + getLifeCycleState());
        }
        getLifeCycle().transition(LifeCycle.State.STARTING);
        InMemorySnapshot snapshot = fetched;
        if (snapshot != null) {
            application.restore(snapshot.state());
            chain.restore(snapshot.chainHead());
            latest = snapshot;
            fetched = null;
            updateLastAppliedTermIndex(
                    snapshot.termIndex().getTerm(), snapshot.termIndex().getIndex());
            snapshotsInstalled.incrementAndGet();
            LOG.info(
                    "installed the leader's snapshot at {}, chain head {}", snapshot.termIndex(), snapshot.chainHead());
        }
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    @Override
    public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
        String entry = failedEntry == null ? "" : " writing index " + failedEntry.getIndex();
        node.die(
                "the Raft log failed" + entry + " (a full RAM filesystem?): this node is dead and never recovers;"
                        + " replace it with a fresh node",
                cause);
    }

    @Override
    public void notifyConfigurationChanged(long term, long index, RaftConfigurationProto configuration) {
        List<RaftPeer> peers = new ArrayList<>(ProtoUtils.toRaftPeers(configuration.getPeersList()));
        peers.addAll(ProtoUtils.toRaftPeers(configuration.getOldPeersList()));
        node.membershipChanged(peers);
    }

    @Override
    public void notifyServerShutdown(RoleInfoProto roleInfo, boolean allServer) {
        node.serverShutDown();
    }
}
