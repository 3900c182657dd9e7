package dev.ratchet.tablet;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.raft.NodeDeathListener;
import dev.ratchet.raft.RaftAdmin;
import dev.ratchet.raft.RaftNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tablet-store process's replica: a {@link RaftNode} running the tablet state machine.
 *
 * <p>A started node serves its three ports and waits: an operator bootstraps a group of fresh
 * nodes with {@link #admin} (then submits the {@code Bootstrap} command through a {@link
 * TabletStoreClient}), or joins this node to a running group. Like every Ratchet Raft node it
 * never restarts; a new process is a new node.
 *
 * <p><b>Callers.</b> Every replica admits a command only from a caller allowed to submit it
 * ({@code CallerRules}: a cache acts only for itself; operator tools may do anything), so the
 * builder's request authorizer is replaced.
 *
 * <p><b>Death.</b> {@code onDeath} runs once when the node dies: the raft layer's reasons (a
 * failed log, a diverged hash chain) or the tablet state machine failing stop. Production
 * processes pass {@link NodeDeathListener#EXIT}.
 */
public final class TabletStoreNode implements AutoCloseable {
    /**
     * The Raft group id of every tablet-store cluster. A cluster has exactly one group and a node
     * serves one cluster in its life, so a fixed id costs nothing, and operators need not carry a
     * generated id from {@code bootstrap} to every later command. Which nodes form a cluster is
     * decided by attested membership, not by the id.
     */
    public static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(
            UUID.nameUUIDFromBytes("ratchet/tablet-store/group/v1".getBytes(StandardCharsets.UTF_8)));

    private static final Logger LOG = LoggerFactory.getLogger(TabletStoreNode.class);

    private final RaftNode node;
    private final TabletApplication application;

    private TabletStoreNode(RaftNode.Builder builder, NodeDeathListener onDeath) {
        // The fail-stop callback runs under the application's lock on a Ratis thread: hand off.
        this.application = new TabletApplication(reason -> failStop(reason, onDeath));
        this.node = builder.application(application)
                .requestAuthorizer(new CallerRules())
                .onDeath(onDeath)
                .build();
    }

    /**
     * Builds the node {@code builder} describes (its identity, address, RAM root and timings) with
     * the tablet state machine as its application, and starts it.
     *
     * @throws IOException if the Raft server cannot start
     */
    public static TabletStoreNode start(RaftNode.Builder builder, NodeDeathListener onDeath) throws IOException {
        Objects.requireNonNull(onDeath, "onDeath");
        TabletStoreNode started = new TabletStoreNode(builder, onDeath);
        started.node.start();
        return started;
    }

    /**
     * Returns an admin tool for the tablet-store group whose members, as far as the operator
     * knows, are {@code knownMembers} (empty to bootstrap a new group).
     */
    public static RaftAdmin admin(
            NodeIdentity identity, AttestationVerifier verifier, Clock clock, Collection<RaftPeer> knownMembers) {
        return new RaftAdmin(identity, verifier, clock, GROUP_ID, knownMembers);
    }

    /** Returns this node's attested id, which is also its Raft peer id. */
    public String nodeId() {
        return node.nodeId();
    }

    /** Returns how many calls and requests this node refused, by code ({@link RaftNode#refusalCounts()}). */
    Map<String, Long> refusalCounts() {
        return node.refusalCounts();
    }

    /** Returns how other nodes and clients reach this node. */
    public RaftPeer peer() {
        return node.peer();
    }

    /** Stops the node and deletes its RAM directory; idempotent. */
    @Override
    public void close() throws IOException {
        node.close();
    }

    /** Returns this replica's state as snapshot bytes, for tests comparing replicas. */
    byte[] snapshotForTest() {
        return application.snapshot();
    }

    private void failStop(String reason, NodeDeathListener onDeath) {
        String message = "TABLET STATE MACHINE FAILED STOP on node " + nodeId() + ": " + reason
                + ". Every replica stops at the same entry; start a new cluster.";
        LOG.error(message);
        Thread killer = new Thread(
                () -> {
                    try {
                        node.close();
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("closing the failed node {} failed", nodeId(), e);
                    }
                    onDeath.onDeath(message, null);
                },
                "tablet-store-fail-stop");
        killer.setDaemon(true);
        killer.start();
    }
}
