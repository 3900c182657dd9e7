package dev.ratchet.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import dev.ratchet.raft.AttestedRaftChannels.RaftPort;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * One three-node attested Ratis group on loopback, shared by the tests of this class: it forms and
 * commits for an attested client, serves an operator on the admin port, and refuses, at the
 * handshake and with the right reason, callers that have the wrong role for a port, dial the server
 * port, or meet evidence their own policy forbids.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AttestedRaftClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final TestClusterCa ca = new TestClusterCa(Clock.systemUTC());
    private final AttestationVerifier verifier = ca.verifier();
    private final List<LoopbackRaftNode> nodes = new ArrayList<>();
    private RaftGroup group;
    private PeerAddressBook members;

    @BeforeAll
    void startGroup(@TempDir Path storage) throws IOException {
        for (int i = 0; i < 3; i++) {
            nodes.add(LoopbackRaftNode.allocate(ca.identity(Role.TABLET_STORE)));
        }
        List<RaftPeer> peers = nodes.stream().map(LoopbackRaftNode::peer).toList();
        group = RaftGroup.valueOf(RaftGroupId.randomId(), peers);
        members = PeerAddressBook.of(peers);
        for (LoopbackRaftNode node : nodes) {
            node.start(group, members, verifier, storage);
        }
        Await.until(WAIT, "a leader", () -> nodes.stream().anyMatch(node -> node.isLeader(group)));
    }

    @AfterAll
    void stopGroup() throws IOException {
        IOException failure = null;
        for (LoopbackRaftNode node : nodes) {
            try {
                node.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Test
    @Order(1)
    void attestedClientCommitsAndEveryReplicaApplies() throws IOException {
        AttestedRaftChannels client =
                AttestedRaftChannels.forClient(ca.identity(Role.CLIENT), verifier, members, Clock.systemUTC());
        try (RaftClient raftClient = LoopbackRaftNode.client(group, client)) {
            RaftClientReply reply = raftClient.io().send(Message.valueOf("one"));
            assertTrue(reply.isSuccess(), () -> "reply: " + reply);
            assertEquals(1, CountingStateMachine.count(reply.getMessage()));
        }
        Await.until(
                WAIT,
                "every replica to apply the entry",
                () -> nodes.stream().allMatch(node -> node.stateMachine.applied() == 1));
        // Nobody was refused: servers attested each other and the client, and the client its servers.
        assertEquals(Map.of(), client.outbound(RaftPort.CLIENT).refusalCounts());
        for (LoopbackRaftNode node : nodes) {
            for (RaftPort port : RaftPort.values()) {
                assertEquals(Map.of(), node.channels().inbound(port).refusalCounts(), port + " in");
                assertEquals(Map.of(), node.channels().outbound(port).refusalCounts(), port + " out");
            }
        }
    }

    @Test
    @Order(2)
    void sectorRoleIsRefusedOnTheClientPort() {
        AttestedRaftChannels sector =
                AttestedRaftChannels.forClient(ca.identity(Role.SECTOR), verifier, members, Clock.systemUTC());
        try (RaftClient raftClient = LoopbackRaftNode.client(group, sector)) {
            assertThrows(IOException.class, () -> raftClient.io().send(Message.valueOf("from a sector")));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Await.until(
                WAIT, "a WRONG_ROLE refusal on a client port", () -> refusals(RaftPort.CLIENT, Refusal.WRONG_ROLE) > 0);
        assertEquals(Map.of(), sector.outbound(RaftPort.CLIENT).refusalCounts(), "the servers were genuine");
        assertEquals(1, appliedAnywhere(), "nothing from the sector was committed");
    }

    @Test
    @Order(3)
    void clientDiallingTheServerPortIsRefused() {
        // A client that calls the Raft server port directly, as if it were the client port.
        List<RaftPeer> serverPortsAsClientPorts = nodes.stream()
                .map(node -> RaftPeer.newBuilder()
                        .setId(AttestedRaftChannels.peerId(node.identity.nodeId()))
                        .setAddress(LoopbackPorts.HOST + ":" + node.serverPort)
                        .setClientAddress(LoopbackPorts.HOST + ":" + node.serverPort)
                        .setAdminAddress(LoopbackPorts.HOST + ":" + node.serverPort)
                        .build())
                .toList();
        RaftGroup wrongPorts = RaftGroup.valueOf(group.getGroupId(), serverPortsAsClientPorts);
        AttestedRaftChannels client = AttestedRaftChannels.forClient(
                ca.identity(Role.CLIENT), verifier, PeerAddressBook.of(serverPortsAsClientPorts), Clock.systemUTC());
        try (RaftClient raftClient = LoopbackRaftNode.client(wrongPorts, client)) {
            assertThrows(IOException.class, () -> raftClient.io().send(Message.valueOf("appendEntries, please")));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Await.until(
                WAIT, "a WRONG_ROLE refusal on a server port", () -> refusals(RaftPort.SERVER, Refusal.WRONG_ROLE) > 0);
        assertEquals(1, appliedAnywhere());
    }

    @Test
    @Order(4)
    void clientWhosePolicyForbidsSimulatedEvidenceRefusesTheServers() {
        AttestationVerifier strict =
                ca.verifier(ca.policy().allowSimulated(false).build());
        AttestedRaftChannels client =
                AttestedRaftChannels.forClient(ca.identity(Role.CLIENT), strict, members, Clock.systemUTC());
        try (RaftClient raftClient = LoopbackRaftNode.client(group, client)) {
            assertThrows(IOException.class, () -> raftClient.io().send(Message.valueOf("to a simulated TEE")));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertTrue(client.outbound(RaftPort.CLIENT).refusalCount(Refusal.SIMULATED_NOT_ALLOWED) > 0);
        assertEquals(
                Map.of(
                        Refusal.SIMULATED_NOT_ALLOWED,
                        client.outbound(RaftPort.CLIENT).refusalCount(Refusal.SIMULATED_NOT_ALLOWED)),
                client.outbound(RaftPort.CLIENT).refusalCounts());
        assertEquals(1, appliedAnywhere());
    }

    @Test
    @Order(5)
    void adminPortServesOperatorsAndRefusesCaches() throws IOException {
        RaftPeerId target = AttestedRaftChannels.peerId(nodes.get(0).identity.nodeId());
        AttestedRaftChannels operator =
                AttestedRaftChannels.forClient(ca.identity(Role.CLIENT), verifier, members, Clock.systemUTC());
        try (RaftClient raftClient = LoopbackRaftNode.client(group, operator)) {
            GroupInfoReply info = raftClient.getGroupManagementApi(target).info(group.getGroupId());
            assertTrue(info.isSuccess(), () -> "reply: " + info);
            assertEquals(group.getGroupId(), info.getGroup().getGroupId());
        }
        // A cache may submit requests on the client port, but not manage groups.
        AttestedRaftChannels cache =
                AttestedRaftChannels.forClient(ca.identity(Role.CACHE), verifier, members, Clock.systemUTC());
        try (RaftClient raftClient = LoopbackRaftNode.client(group, cache)) {
            // Ratis 3.2.2 lets this admin call fail with the shaded gRPC StatusRuntimeException
            // (unchecked) rather than an IOException, so only "it failed" is asserted here.
            assertThrows(
                    Exception.class,
                    () -> raftClient.getGroupManagementApi(target).info(group.getGroupId()));
        }
        assertTrue(nodes.get(0).channels().inbound(RaftPort.ADMIN).refusalCount(Refusal.WRONG_ROLE) > 0);
        assertEquals(Map.of(), operator.outbound(RaftPort.ADMIN).refusalCounts());
    }

    private long refusals(RaftPort port, Refusal refusal) {
        return nodes.stream()
                .mapToLong(node -> node.channels().inbound(port).refusalCount(refusal))
                .sum();
    }

    // The most any replica applied: independent of who happens to lead at the moment of asking.
    private long appliedAnywhere() {
        return nodes.stream()
                .mapToLong(node -> node.stateMachine.applied())
                .max()
                .orElseThrow();
    }
}
