package dev.ratchet.raft;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;

/**
 * A test fixture: Ratchet Raft nodes on loopback with real attested TLS, sharing one RAM root of
 * their own (under /dev/shm when it exists), with test timings, and an operator to run admin
 * operations. Closing it closes every node and deletes the root.
 */
final class RaftTestCluster implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final long SNAPSHOT_EVERY_ENTRIES = 40;

    final TestClusterCa ca = new TestClusterCa(Clock.systemUTC());
    final AttestationVerifier verifier = ca.verifier();
    final RaftGroupId groupId = RaftGroupId.randomId();
    final Path ramRoot;
    final List<RaftNode> nodes = new ArrayList<>();
    final Map<String, KeyValueApplication> applications = new ConcurrentHashMap<>();
    final Map<String, NodeIdentity> identities = new ConcurrentHashMap<>();
    final Map<String, String> deaths = new ConcurrentHashMap<>();
    final RaftAdmin admin;

    long snapshotEveryEntries = SNAPSHOT_EVERY_ENTRIES;
    RequestAuthorizer authorizer = RequestAuthorizer.ADMIT_ALL;

    RaftTestCluster() {
        this(TestRamRoot.create("ratchet-test-"));
    }

    /** Returns a cluster whose nodes keep their incarnations under {@code ramRoot}. */
    RaftTestCluster(Path ramRoot) {
        this.ramRoot = ramRoot;
        admin = new RaftAdmin(ca.identity(Role.CLIENT), verifier, Clock.systemUTC(), groupId, List.of());
    }

    /** Starts {@code count} fresh nodes and bootstraps the group with them. */
    RaftTestCluster bootstrap(int count) throws IOException {
        List<RaftNode> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            started.add(startNode());
        }
        admin.bootstrap(started.stream().map(RaftNode::peer).toList());
        return this;
    }

    /** Starts a fresh node with a new tablet-store identity; it joins nothing yet. */
    RaftNode startNode() throws IOException {
        return startNode(ca.identity(Role.TABLET_STORE));
    }

    RaftNode startNode(NodeIdentity identity) throws IOException {
        int[] ports = LoopbackPorts.free(3);
        KeyValueApplication application = new KeyValueApplication();
        RaftNode node = RaftNode.builder(identity, verifier)
                .address(LoopbackPorts.HOST, ports[0], ports[1], ports[2])
                .ramRoot(ramRoot)
                .application(application)
                .requestAuthorizer(authorizer)
                .onDeath((reason, cause) -> deaths.put(identity.nodeId(), reason))
                // Loopback timings (ratis-guide §6): stable elections on a loaded 2-core machine.
                .electionTimeout(Duration.ofMillis(400), Duration.ofMillis(800))
                .snapshotEveryEntries(snapshotEveryEntries)
                .logSegmentSizeBytes(16 << 10)
                .checkpointInterval(Duration.ofMillis(300))
                .build();
        applications.put(node.nodeId(), application);
        identities.put(node.nodeId(), identity);
        nodes.add(node);
        node.start();
        return node;
    }

    /** Returns a client of the group as an attested cache node, trusting the current members. */
    RaftGroupClient client() {
        return client(ca.identity(Role.CACHE));
    }

    /** Returns a client of the group as {@code identity}, trusting the current members. */
    RaftGroupClient client(NodeIdentity identity) {
        return RaftGroupClient.builder(identity, verifier, groupId, admin.members())
                .requestTimeout(Duration.ofSeconds(3))
                .attempts(12, Duration.ofMillis(100), Duration.ofSeconds(1))
                .build();
    }

    /** Returns a client that gives up after three quick attempts, for groups expected to fail. */
    RaftGroupClient impatientClient() {
        return RaftGroupClient.builder(ca.identity(Role.CACHE), verifier, groupId, admin.members())
                .requestTimeout(Duration.ofSeconds(1))
                .attempts(3, Duration.ofMillis(100), Duration.ofMillis(200))
                .build();
    }

    /** Returns the node whose id is {@code nodeId}. */
    RaftNode node(String nodeId) {
        return nodes.stream().filter(n -> n.nodeId().equals(nodeId)).findFirst().orElseThrow();
    }

    /** Returns the live members: nodes in the admin's membership whose division is running. */
    List<RaftNode> liveMembers() {
        List<String> ids =
                admin.members().stream().map(p -> p.getId().toString()).toList();
        return nodes.stream()
                .filter(n -> ids.contains(n.nodeId()))
                .filter(n -> n.division().isPresent())
                .toList();
    }

    Optional<RaftNode> leader() {
        return liveMembers().stream()
                .filter(n -> n.division()
                        .map(d -> d.getInfo().isLeader() && d.getInfo().isLeaderReady())
                        .orElse(false))
                .findFirst();
    }

    KeyValueApplication application(RaftNode node) {
        return applications.get(node.nodeId());
    }

    NodeIdentity applicationsIdentity(RaftNode node) {
        return identities.get(node.nodeId());
    }

    /** Returns whether any file under {@code dir} contains {@code needle}. */
    static boolean anyFileContains(Path dir, byte[] needle) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                byte[] content = Files.readAllBytes(file);
                for (int i = 0; i + needle.length <= content.length; i++) {
                    if (java.util.Arrays.equals(content, i, i + needle.length, needle, 0, needle.length)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    static List<String> ids(List<RaftPeer> peers) {
        return peers.stream().map(p -> p.getId().toString()).toList();
    }

    @Override
    public void close() {
        for (RaftNode node : nodes) {
            try {
                node.close();
            } catch (IOException | RuntimeException e) {
                // keep closing the others; the root is deleted below regardless
            }
        }
        TestRamRoot.delete(ramRoot);
    }
}
