package dev.ratchet.tablet;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import dev.ratchet.raft.Await;
import dev.ratchet.raft.LoopbackPorts;
import dev.ratchet.raft.RaftAdmin;
import dev.ratchet.raft.RaftGroupClient;
import dev.ratchet.raft.RaftNode;
import dev.ratchet.raft.TestRamRoot;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * A test fixture: tablet-store nodes on loopback with real attested TLS and a RAM root of their
 * own, bootstrapped into one group by an operator tool. Closing it closes every node and deletes
 * the root.
 */
final class TabletTestCluster implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);

    final TestClusterCa ca = new TestClusterCa(Clock.systemUTC());
    final AttestationVerifier verifier = ca.verifier();
    final Path ramRoot = TestRamRoot.create("ratchet-tablet-test-");
    final List<TabletStoreNode> nodes = new ArrayList<>();
    final Map<String, String> deaths = new ConcurrentHashMap<>();
    final RaftAdmin admin = TabletStoreNode.admin(ca.identity(Role.CLIENT), verifier, Clock.systemUTC(), List.of());

    /** Starts {@code count} fresh nodes and forms the group from them (no Bootstrap command yet). */
    TabletTestCluster form(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            nodes.add(startNode());
        }
        admin.bootstrap(nodes.stream().map(TabletStoreNode::peer).toList());
        return this;
    }

    private TabletStoreNode startNode() throws IOException {
        int[] ports = LoopbackPorts.free(3);
        RaftNode.Builder builder = RaftNode.builder(ca.identity(Role.TABLET_STORE), verifier)
                .address(LoopbackPorts.HOST, ports[0], ports[1], ports[2])
                .ramRoot(ramRoot)
                // Loopback timings (ratis-guide §6): stable elections on a loaded 2-core machine.
                .electionTimeout(Duration.ofMillis(400), Duration.ofMillis(800))
                .snapshotEveryEntries(40)
                .logSegmentSizeBytes(16 << 10)
                .checkpointInterval(Duration.ofMillis(300));
        return TabletStoreNode.start(builder, (reason, cause) -> deaths.put(String.valueOf(reason), "dead"));
    }

    /** Returns a client acting as an operator tool (role client), trusting the current members. */
    TabletStoreClient operator() {
        return client(ca.identity(Role.CLIENT));
    }

    /** Returns a client acting as {@code identity} (a cache node or an operator tool), trusting the current members. */
    TabletStoreClient client(NodeIdentity identity) {
        return new TabletStoreClient(
                RaftGroupClient.builder(identity, verifier, TabletStoreNode.GROUP_ID, admin.members())
                        .requestTimeout(Duration.ofSeconds(3))
                        .attempts(12, Duration.ofMillis(100), Duration.ofSeconds(1))
                        .build());
    }

    TabletStoreNode node(String nodeId) {
        return nodes.stream().filter(n -> n.nodeId().equals(nodeId)).findFirst().orElseThrow();
    }

    /** Polls {@code condition} until it holds, failing the test after {@link #WAIT}. */
    static void awaitUntil(String what, BooleanSupplier condition) {
        Await.until(WAIT, what, condition);
    }

    @Override
    public void close() {
        for (TabletStoreNode node : nodes) {
            try {
                node.close();
            } catch (IOException | RuntimeException e) {
                // keep closing the others; the root is deleted below regardless
            }
        }
        TestRamRoot.delete(ramRoot);
    }
}
