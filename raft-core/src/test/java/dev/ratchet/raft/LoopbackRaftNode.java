package dev.ratchet.raft;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;

/**
 * A tablet-store Ratis server on loopback for tests: its attested identity, three fixed ports, and
 * once started, the server and its counting state machine.
 */
final class LoopbackRaftNode implements AutoCloseable {
    final NodeIdentity identity;
    final int serverPort;
    final int clientPort;
    final int adminPort;
    final CountingStateMachine stateMachine = new CountingStateMachine();
    private AttestedRaftChannels channels;
    private RaftServer server;

    private LoopbackRaftNode(NodeIdentity identity, int serverPort, int clientPort, int adminPort) {
        this.identity = identity;
        this.serverPort = serverPort;
        this.clientPort = clientPort;
        this.adminPort = adminPort;
    }

    /** Returns a node with fresh loopback ports; nothing listens until {@link #start}. */
    static LoopbackRaftNode allocate(NodeIdentity identity) {
        int[] ports = LoopbackPorts.free(3);
        return new LoopbackRaftNode(identity, ports[0], ports[1], ports[2]);
    }

    /** Returns a node with {@code identity} at {@code other}'s ports: an impostor at its address. */
    static LoopbackRaftNode atAddressOf(LoopbackRaftNode other, NodeIdentity identity) {
        return new LoopbackRaftNode(identity, other.serverPort, other.clientPort, other.adminPort);
    }

    RaftPeer peer() {
        return AttestedRaftChannels.raftPeer(identity.nodeId(), LoopbackPorts.HOST, serverPort, clientPort, adminPort);
    }

    /** Starts the server in {@code group}, trusting the members in {@code book}. */
    void start(RaftGroup group, PeerAddressBook book, AttestationVerifier verifier, Path storageRoot)
            throws IOException {
        channels = AttestedRaftChannels.forTabletStore(identity, verifier, book, Clock.systemUTC());
        RaftProperties properties = new RaftProperties();
        // Each incarnation formats its own directory (ratis-guide §2.3); never a shared root.
        RaftServerConfigKeys.setStorageDir(
                properties, List.of(storageRoot.resolve(identity.nodeId()).toFile()));
        // Loopback timings from ratis-guide §6: a fast first election, and elections that stay
        // stable on a loaded 2-core CI machine.
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(properties, millis(100));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(properties, millis(200));
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, millis(300));
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, millis(600));
        RaftServerConfigKeys.Rpc.setRequestTimeout(properties, millis(3000));
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(properties, false);
        AttestedRaftChannels.bindPorts(properties, LoopbackPorts.HOST, serverPort, clientPort, adminPort);
        server = RaftServer.newBuilder()
                .setServerId(channels.peerId())
                .setGroup(group)
                .setProperties(properties)
                .setParameters(channels.newParameters())
                .setStateMachine(stateMachine)
                .setOption(RaftStorage.StartupOption.FORMAT)
                .build();
        server.start();
    }

    AttestedRaftChannels channels() {
        return channels;
    }

    boolean isLeader(RaftGroup group) {
        try {
            return server != null
                    && server.getDivision(group.getGroupId()).getInfo().isLeader();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    /**
     * Returns a client of {@code group} with {@code channels}, with a bounded retry budget: 10
     * attempts 100 ms apart ride out a leader change on a loaded machine, yet a call whose every
     * handshake is refused fails in about a second instead of being retried for ever (Ratis's
     * default client retry policy, {@code retryForeverNoSleep}).
     */
    static RaftClient client(RaftGroup group, AttestedRaftChannels channels) {
        return client(group, channels, null);
    }

    /** Like {@link #client(RaftGroup, AttestedRaftChannels)}, first trying {@code firstPeer}. */
    static RaftClient client(RaftGroup group, AttestedRaftChannels channels, RaftPeerId firstPeer) {
        return client(group, channels.newParameters(), firstPeer);
    }

    /** Like {@link #client(RaftGroup, AttestedRaftChannels)}, with hand-made TLS parameters. */
    static RaftClient client(RaftGroup group, Parameters parameters) {
        return client(group, parameters, null);
    }

    private static RaftClient client(RaftGroup group, Parameters parameters, RaftPeerId firstPeer) {
        RaftProperties properties = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, millis(2000));
        RaftClient.Builder builder = RaftClient.newBuilder()
                .setRaftGroup(group)
                .setProperties(properties)
                .setParameters(parameters)
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(10, millis(100)));
        if (firstPeer != null) {
            builder.setLeaderId(firstPeer);
        }
        return builder.build();
    }

    static TimeDuration millis(long millis) {
        return TimeDuration.valueOf(millis, TimeUnit.MILLISECONDS);
    }
}
