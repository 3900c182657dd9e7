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
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server whose policy forbids simulated evidence (as every production policy does) refuses a
 * client with simulated evidence at the handshake, before reading any of its requests.
 */
class StrictPolicyServerTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void serverRefusesSimulatedClient(@TempDir Path storage) throws IOException {
        TestClusterCa ca = new TestClusterCa(Clock.systemUTC());
        AttestationVerifier strict =
                ca.verifier(ca.policy().allowSimulated(false).build());
        // A single-node group: it elects itself without ever attesting a peer.
        try (LoopbackRaftNode node = LoopbackRaftNode.allocate(ca.identity(Role.TABLET_STORE))) {
            List<RaftPeer> peers = List.of(node.peer());
            RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peers);
            PeerAddressBook members = PeerAddressBook.of(peers);
            node.start(group, members, strict, storage);
            Await.until(WAIT, "the single node to lead", () -> node.isLeader(group));

            // The client itself tolerates simulated evidence, so only the server can refuse.
            AttestedRaftChannels client =
                    AttestedRaftChannels.forClient(ca.identity(Role.CLIENT), ca.verifier(), members, Clock.systemUTC());
            try (RaftClient raftClient = LoopbackRaftNode.client(group, client)) {
                assertThrows(IOException.class, () -> raftClient.io().send(Message.valueOf("simulated")));
            }
            assertTrue(node.channels().inbound(RaftPort.CLIENT).refusalCount(Refusal.SIMULATED_NOT_ALLOWED) > 0);
            assertEquals(0, node.stateMachine.applied());
        }
    }
}
