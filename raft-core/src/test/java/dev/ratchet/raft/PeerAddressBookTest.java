package dev.ratchet.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Test;

/** Unit tests of the address-to-node-id view, without any TLS. */
class PeerAddressBookTest {
    private static final String ID_A = "a".repeat(64);
    private static final String ID_B = "b".repeat(64);

    private final RaftPeer a = AttestedRaftChannels.raftPeer(ID_A, "127.0.0.1", 7001, 7002, 7003);
    private final RaftPeer b = AttestedRaftChannels.raftPeer(ID_B, "Node-B.example", 7001, 7002, 7003);

    @Test
    void everyAddressOfAPeerExpectsItsNodeId() {
        PeerAddressBook book = PeerAddressBook.of(List.of(a, b));
        for (int port : new int[] {7001, 7002, 7003}) {
            assertEquals(Optional.of(ID_A), book.expectedNodeId("127.0.0.1", port));
            assertEquals(Optional.of(ID_B), book.expectedNodeId("node-b.example", port));
        }
        assertTrue(book.contains(ID_A));
        assertFalse(book.contains("c".repeat(64)));
    }

    @Test
    void unknownAddressExpectsAnIdNoNodeHas() {
        PeerAddressBook book = PeerAddressBook.of(List.of(a));
        assertEquals(Optional.of(PeerAddressBook.NO_MEMBER_AT_ADDRESS), book.expectedNodeId("127.0.0.1", 7999));
        assertEquals(Optional.of(PeerAddressBook.NO_MEMBER_AT_ADDRESS), new PeerAddressBook().expectedNodeId("x", 1));
    }

    @Test
    void acceptingSideWithoutAHostHasNoExpectation() {
        assertEquals(Optional.empty(), PeerAddressBook.of(List.of(a)).expectedNodeId(null, -1));
    }

    @Test
    void replaceSwapsTheWholeView() {
        PeerAddressBook book = PeerAddressBook.of(List.of(a));
        book.replace(List.of(b));
        assertFalse(book.contains(ID_A));
        assertEquals(Optional.empty(), book.nodeIdAt("127.0.0.1", 7001));
        assertEquals(Optional.of(ID_B), book.nodeIdAt("NODE-B.EXAMPLE", 7001));
    }

    @Test
    void ipv6BracketsAreIgnored() {
        RaftPeer v6 = AttestedRaftChannels.raftPeer(ID_A, "::1", 7001, 7002, 7003);
        assertEquals("[::1]:7001", v6.getAddress());
        PeerAddressBook book = PeerAddressBook.of(List.of(v6));
        assertEquals(Optional.of(ID_A), book.nodeIdAt("::1", 7001));
        assertEquals(Optional.of(ID_A), book.nodeIdAt("[::1]", 7002));
    }

    @Test
    void rejectsPeerIdsThatAreNotNodeIds() {
        RaftPeer named =
                RaftPeer.newBuilder().setId("n1").setAddress("127.0.0.1:1").build();
        assertThrows(IllegalArgumentException.class, () -> PeerAddressBook.of(List.of(named)));
    }

    @Test
    void rejectsTwoNodesAtOneAddress() {
        RaftPeer clash = AttestedRaftChannels.raftPeer(ID_B, "127.0.0.1", 7001, 8002, 8003);
        assertThrows(IllegalArgumentException.class, () -> PeerAddressBook.of(List.of(a, clash)));
    }

    @Test
    void rejectsMalformedAddresses() {
        RaftPeer noPort =
                RaftPeer.newBuilder().setId(ID_A).setAddress("127.0.0.1").build();
        assertThrows(IllegalArgumentException.class, () -> PeerAddressBook.of(List.of(noPort)));
    }
}
