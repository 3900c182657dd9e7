package dev.ratchet.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * The plain-Ratis baseline's cluster: three Ratis servers and a few async clients in this JVM, on
 * loopback with ordinary mutual TLS ({@link SelfSignedPki}), a segmented log on a RAM filesystem
 * and {@link VersionedRecordsStateMachine}.
 *
 * <p>Settings are Ratis's defaults except those Ratchet's {@code RaftNode} also sets for the log
 * and for timing, copied here so that only Ratchet's own work separates the two: the segment and
 * preallocation sizes, the election and request timeouts, and ReadIndex reads with no lease.
 * Ratchet's separate client and admin ports, its snapshots and its bounded client retry policy
 * are Ratchet's and stay out; one port per server and Ratis's default retry policy are what a
 * plain deployment gets.
 */
final class PlainRatisGroup implements AutoCloseable {
    private static final int SERVERS = 3;
    // RaftNode's production values (RaftNode.Builder defaults and RaftNode.properties()).
    private static final long SEGMENT_BYTES = 8L << 20;
    private static final long PREALLOCATED_BYTES = 1L << 20;
    private static final long ELECTION_TIMEOUT_MIN_MILLIS = 1000;
    private static final long ELECTION_TIMEOUT_MAX_MILLIS = 2000;

    private final Path ramRoot;
    private final List<RaftServer> servers = new ArrayList<>();
    private final List<RaftClient> clients = new ArrayList<>();

    private PlainRatisGroup(Path ramRoot) {
        this.ramRoot = ramRoot;
    }

    /** Starts the servers and {@code clientCount} clients, and waits until a write commits. */
    static PlainRatisGroup start(int clientCount) throws IOException, GeneralSecurityException {
        PlainRatisGroup group = new PlainRatisGroup(Loopback.newRamDirectory("ratis-mtls-bench-"));
        try {
            SelfSignedPki pki = new SelfSignedPki();
            List<RaftPeer> peers = new ArrayList<>();
            int[] ports = Loopback.freePorts(SERVERS);
            for (int i = 0; i < SERVERS; i++) {
                peers.add(RaftPeer.newBuilder()
                        .setId(RaftPeerId.valueOf("s" + i))
                        .setAddress("127.0.0.1:" + ports[i])
                        .build());
            }
            RaftGroup raftGroup = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()), peers);
            for (RaftPeer peer : peers) {
                group.servers.add(startServer(group.ramRoot, raftGroup, peer, pki));
            }
            for (int i = 0; i < clientCount; i++) {
                RaftProperties properties = new RaftProperties();
                RaftClientConfigKeys.Rpc.setRequestTimeout(properties, millis(10_000));
                group.clients.add(RaftClient.newBuilder()
                        .setRaftGroup(raftGroup)
                        .setProperties(properties)
                        .setParameters(parameters(pki, "client-" + i))
                        .build());
            }
            // The default retry policy retries until a leader is elected and answers.
            RaftClientReply first = group.clients.get(0).io().send(Message.valueOf("hello"));
            if (!first.isSuccess()) {
                throw new IOException("the first write failed: " + first.getException());
            }
            return group;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            group.close();
            throw e;
        }
    }

    /** Returns the clients. */
    List<RaftClient> clients() {
        return clients;
    }

    private static RaftServer startServer(Path ramRoot, RaftGroup group, RaftPeer peer, SelfSignedPki pki)
            throws IOException, GeneralSecurityException {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(
                p, List.of(ramRoot.resolve(peer.getId().toString()).toFile()));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(SEGMENT_BYTES));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(PREALLOCATED_BYTES));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, false);
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, millis(ELECTION_TIMEOUT_MIN_MILLIS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, millis(ELECTION_TIMEOUT_MAX_MILLIS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, millis(ELECTION_TIMEOUT_MIN_MILLIS / 3));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, millis(ELECTION_TIMEOUT_MAX_MILLIS / 3));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, millis(5 * ELECTION_TIMEOUT_MAX_MILLIS));
        String[] hostPort = peer.getAddress().split(":");
        GrpcConfigKeys.Server.setHost(p, hostPort[0]);
        GrpcConfigKeys.Server.setPort(p, Integer.parseInt(hostPort[1]));
        RaftServer server = RaftServer.newBuilder()
                .setServerId(peer.getId())
                .setGroup(group)
                .setProperties(p)
                .setParameters(parameters(pki, peer.getId().toString()))
                .setStateMachine(new VersionedRecordsStateMachine())
                .setOption(RaftStorage.StartupOption.FORMAT)
                .build();
        server.start();
        return server;
    }

    private static Parameters parameters(SelfSignedPki pki, String commonName) throws GeneralSecurityException {
        Parameters parameters = new Parameters();
        GrpcConfigKeys.TLS.setConf(parameters, pki.newTlsConfig(commonName));
        return parameters;
    }

    private static TimeDuration millis(long millis) {
        return TimeDuration.valueOf(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        for (RaftClient client : clients) {
            closeQuietly(client);
        }
        for (RaftServer server : servers) {
            closeQuietly(server);
        }
        Loopback.deleteTree(ramRoot);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // closing the benchmark; nothing to save
        }
    }
}
