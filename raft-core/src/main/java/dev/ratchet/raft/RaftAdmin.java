package dev.ratchet.raft;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.raft.AttestedRaftChannels.RaftPort;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The membership operations of a Ratchet Raft group, run by an operator tool (role client) or
 * tablet-store automation over the nodes' attested admin ports: bootstrap, join, remove, replace.
 *
 * <p><b>Trust before membership.</b> A member only talks to nodes in its {@link PeerAddressBook}.
 * So every operation first tells the nodes involved whom to expect (a small admin-port call, see
 * {@link SideChannels}), then changes the Raft configuration; each node's book then follows the
 * applied configuration, so a removed node loses its access. Every call this tool makes is itself
 * attested: the node at each address must prove the node id the operator named, with a
 * measurement the operator's policy allows, or the operation fails before anything changes.
 *
 * <p><b>What cannot be done.</b> A dead node cannot come back: its key died with it, so a
 * restarted process is a new node that must {@link #join} or {@link #replace} it. A group that lost
 * its majority cannot be reconfigured (Raft needs a majority to change membership); it is gone, and
 * the operator starts a new cluster. Replacing a node with one at the <em>same</em> address needs
 * {@link #remove} first, because a book never lets two nodes claim one address.
 *
 * <p>Not thread-safe: one operator, one operation at a time (Ratis refuses concurrent changes too).
 */
public final class RaftAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(RaftAdmin.class);

    /**
     * How long one admin request may take: a configuration change waits while new members catch
     * up, which may include fetching a snapshot.
     */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(SideChannels.CALL_DEADLINE_SECONDS + 10);

    /** Attempts per admin request: rides out a leader change or two, then reports. */
    static final int ATTEMPTS_MAX = 10;

    private final RaftGroupId groupId;
    private final PeerAddressBook book = new PeerAddressBook();
    private final AttestedRaftChannels channels;
    // The last membership this tool saw or made.
    private final Map<RaftPeerId, RaftPeer> members = new LinkedHashMap<>();

    /**
     * Returns an admin tool for group {@code groupId}, whose members (as far as the operator knows)
     * are {@code knownMembers}; empty for a group yet to be bootstrapped.
     */
    public RaftAdmin(
            NodeIdentity identity,
            AttestationVerifier verifier,
            Clock clock,
            RaftGroupId groupId,
            Collection<RaftPeer> knownMembers) {
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.channels = AttestedRaftChannels.forClient(identity, verifier, book, clock);
        for (RaftPeer peer : knownMembers) {
            members.put(peer.getId(), peer);
        }
        book.replace(members.values());
    }

    /** Returns the members as of this tool's last operation or {@link #refresh()}. */
    public List<RaftPeer> members() {
        return List.copyOf(members.values());
    }

    /**
     * Forms a new group of {@code peers}: freshly started nodes whose node ids and addresses the
     * operator collected. Each node proves its id at the handshake, learns whom to trust, and is
     * given the group.
     *
     * @throws IOException if any node refuses or cannot be reached; nodes already given the group
     *     then hold a group that cannot reach a majority, and should be discarded
     */
    public void bootstrap(List<RaftPeer> peers) throws IOException {
        if (!members.isEmpty()) {
            throw new IllegalStateException("group " + groupId + " already has members " + members.keySet());
        }
        book.replace(peers);
        for (RaftPeer peer : peers) {
            SideChannels.expectPeers(adminTls(), peer.getAdminAddress(), peers);
        }
        RaftGroup group = RaftGroup.valueOf(groupId, peers);
        try (RaftClient client = client(peers)) {
            for (RaftPeer peer : peers) {
                check(client.getGroupManagementApi(peer.getId()).add(group, true), "bootstrap " + peer.getId());
            }
        }
        peers.forEach(peer -> members.put(peer.getId(), peer));
        LOG.info("bootstrapped group {} with {}", groupId, members.keySet());
    }

    /**
     * Adds the freshly started node {@code joiner} to the group; returns once it is a voting member
     * (it caught up, from the leader's snapshot if the log was purged).
     */
    public void join(RaftPeer joiner) throws IOException {
        changeMembership(joiner, null);
    }

    /** Removes the member {@code nodeId}, typically a dead one. */
    public void remove(String nodeId) throws IOException {
        RaftPeerId dead = AttestedRaftChannels.peerId(nodeId);
        refresh();
        List<RaftPeer> next = new ArrayList<>(members.values());
        next.removeIf(peer -> peer.getId().equals(dead));
        setConfiguration(next);
    }

    /** Replaces the member {@code deadNodeId} with the freshly started {@code joiner}, in one change. */
    public void replace(String deadNodeId, RaftPeer joiner) throws IOException {
        changeMembership(joiner, AttestedRaftChannels.peerId(deadNodeId));
    }

    /**
     * Makes the member {@code nodeId} the group's leader, so the current leader's host can be
     * taken down for maintenance without waiting out an election timeout; returns once it leads.
     * Commands in flight at the old leader are answered by the new one or fail as not applied or
     * outcome unknown, as in any election.
     *
     * @throws IOException if the group refuses (the member is not caught up, or not a member) or
     *     does not answer within {@code timeout}
     */
    public void transferLeadership(String nodeId, Duration timeout) throws IOException {
        RaftPeerId target = AttestedRaftChannels.peerId(nodeId);
        if (!members.containsKey(target)) {
            refresh();
        }
        if (!members.containsKey(target)) {
            throw new IOException("node " + nodeId + " is not a member of group " + groupId);
        }
        try (RaftClient client = client(members.values())) {
            check(client.admin().transferLeadership(target, timeout.toMillis()), "transfer leadership to " + target);
        }
        LOG.info("group {} is now led by {}", groupId, target);
    }

    /** Reloads the membership from a member that answers. */
    public List<RaftPeer> refresh() throws IOException {
        IOException failure = null;
        try (RaftClient client = client(members.values())) {
            for (RaftPeer peer : List.copyOf(members.values())) {
                try {
                    GroupInfoReply info =
                            client.getGroupManagementApi(peer.getId()).info(groupId);
                    check(info, "group info from " + peer.getId());
                    members.clear();
                    info.getGroup().getPeers().forEach(p -> members.put(p.getId(), p));
                    book.replace(members.values());
                    return members();
                } catch (IOException | RuntimeException e) {
                    // Ratis may surface an unreachable admin port as an unchecked gRPC status.
                    failure = e instanceof IOException io ? io : new IOException(e);
                }
            }
        }
        throw new RaftUnavailableException(
                "reading the membership", RaftUnavailableException.Outcome.NOT_APPLIED, failure);
    }

    private void changeMembership(RaftPeer joiner, RaftPeerId leaving) throws IOException {
        refresh();
        List<RaftPeer> next = new ArrayList<>(members.values());
        if (leaving != null) {
            next.removeIf(peer -> peer.getId().equals(leaving));
        }
        next.add(joiner);
        List<RaftPeer> known = new ArrayList<>(members.values());
        known.add(joiner);
        book.replace(known);
        // The joiner learns whom to trust and gets an empty group; it waits for the leader.
        SideChannels.expectPeers(adminTls(), joiner.getAdminAddress(), known);
        try (RaftClient client = client(List.of(joiner))) {
            check(client.getGroupManagementApi(joiner.getId()).add(RaftGroup.valueOf(groupId), true), "join group");
        }
        for (RaftPeer member : members.values()) {
            if (member.getId().equals(leaving)) {
                continue;
            }
            try {
                SideChannels.expectPeers(adminTls(), member.getAdminAddress(), List.of(joiner));
            } catch (IOException e) {
                // An unreachable member learns the joiner from the configuration entry instead.
                LOG.warn(
                        "member {} did not take the expectation of {}: {}",
                        member.getId(),
                        joiner.getId(),
                        e.getMessage());
            }
        }
        setConfiguration(next);
    }

    private void setConfiguration(List<RaftPeer> next) throws IOException {
        SetConfigurationRequest.Arguments arguments = SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(next)
                .setMode(SetConfigurationRequest.Mode.SET_UNCONDITIONALLY)
                .build();
        try (RaftClient client = client(members.values())) {
            check(client.admin().setConfiguration(arguments), "set configuration " + ids(next));
        } catch (RaftRetryFailureException e) {
            // Raft changes membership only with a majority; without one the group is gone.
            throw new RaftUnavailableException(
                    "changing the membership to " + ids(next), RaftUnavailableException.Outcome.UNKNOWN, e);
        }
        members.clear();
        next.forEach(peer -> members.put(peer.getId(), peer));
        book.replace(members.values());
        LOG.info("group {} is now {}", groupId, members.keySet());
    }

    private static List<RaftPeerId> ids(Collection<RaftPeer> peers) {
        return peers.stream().map(RaftPeer::getId).toList();
    }

    private static void check(RaftClientReply reply, String what) throws IOException {
        if (!reply.isSuccess()) {
            throw new IOException(what + " failed: " + reply.getException(), reply.getException());
        }
    }

    private GrpcTlsConfig adminTls() {
        return channels.tlsConf(RaftPort.ADMIN).orElseThrow();
    }

    private RaftClient client(Collection<RaftPeer> peers) {
        RaftProperties properties = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(
                properties, TimeDuration.valueOf(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        return RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(groupId, peers))
                .setProperties(properties)
                .setParameters(channels.newParameters())
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        ATTEMPTS_MAX, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                .build();
    }

    /** Returns the trust managers this tool dials with, for tests that read refusal counts. */
    AttestedRaftChannels channels() {
        return channels;
    }
}
