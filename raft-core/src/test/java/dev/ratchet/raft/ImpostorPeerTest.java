package dev.ratchet.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh, genuinely attested tablet-store node that takes over the address of an absent member is
 * refused by the members in both directions as {@code WRONG_NODE_ID}, while the remaining majority
 * keeps committing.
 */
class ImpostorPeerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final TestClusterCa ca = new TestClusterCa(Clock.systemUTC());
    private final AttestationVerifier verifier = ca.verifier();
    private final List<LoopbackRaftNode> started = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        IOException failure = null;
        for (LoopbackRaftNode node : started) {
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
    void freshNodeAtAMembersAddressIsRefusedAsWrongNodeId(@TempDir Path storage) throws IOException {
        LoopbackRaftNode a = LoopbackRaftNode.allocate(ca.identity(Role.TABLET_STORE));
        LoopbackRaftNode b = LoopbackRaftNode.allocate(ca.identity(Role.TABLET_STORE));
        LoopbackRaftNode absent = LoopbackRaftNode.allocate(ca.identity(Role.TABLET_STORE));
        List<RaftPeer> peers = List.of(a.peer(), b.peer(), absent.peer());
        RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peers);
        PeerAddressBook members = PeerAddressBook.of(peers);
        for (LoopbackRaftNode node : List.of(a, b)) {
            started.add(node);
            node.start(group, members, verifier, storage);
        }
        Await.until(WAIT, "a leader among the two present members", () -> a.isLeader(group) || b.isLeader(group));
        // Nothing listens at the absent member's address yet: connections fail below TLS.
        assertEquals(0, outboundRefusals(a, b));

        // The host starts a fresh attested node on the absent member's ports, with a view of the
        // group that names it in the absent member's place.
        LoopbackRaftNode impostor = LoopbackRaftNode.atAddressOf(absent, ca.identity(Role.TABLET_STORE));
        List<RaftPeer> impostorView = List.of(a.peer(), b.peer(), impostor.peer());
        started.add(impostor);
        impostor.start(
                RaftGroup.valueOf(group.getGroupId(), impostorView),
                PeerAddressBook.of(impostorView),
                verifier,
                storage);

        // Dialling out, the leader (whichever member it is by now) finds the wrong key at the
        // absent member's address.
        Await.until(
                WAIT,
                "the leader to refuse the impostor at the absent member's address",
                () -> outboundRefusals(a, b) > 0);
        // Dialling in, the impostor's votes reach members that do not know its node id.
        Await.until(
                WAIT,
                "a member to refuse the impostor's incoming connection",
                () -> a.channels().inbound(RaftPort.SERVER).refusalCount(Refusal.WRONG_NODE_ID)
                                + b.channels().inbound(RaftPort.SERVER).refusalCount(Refusal.WRONG_NODE_ID)
                        > 0);

        // A client that tries the absent member first refuses the impostor too, then commits via
        // the majority that is left.
        AttestedRaftChannels client =
                AttestedRaftChannels.forClient(ca.identity(Role.CLIENT), verifier, members, Clock.systemUTC());
        try (RaftClient raftClient =
                LoopbackRaftNode.client(group, client, AttestedRaftChannels.peerId(absent.identity.nodeId()))) {
            RaftClientReply reply = raftClient.io().send(Message.valueOf("still safe"));
            assertTrue(reply.isSuccess(), () -> "reply: " + reply);
        }
        assertTrue(client.outbound(RaftPort.CLIENT).refusalCount(Refusal.WRONG_NODE_ID) > 0);
        Await.until(
                WAIT, "both members to apply", () -> a.stateMachine.applied() == 1 && b.stateMachine.applied() == 1);
        assertEquals(0, impostor.stateMachine.applied(), "the impostor received no entries");
    }

    private static long outboundRefusals(LoopbackRaftNode... members) {
        long sum = 0;
        for (LoopbackRaftNode member : members) {
            sum += member.channels().outbound(RaftPort.SERVER).refusalCount(Refusal.WRONG_NODE_ID);
        }
        return sum;
    }
}
