package dev.ratchet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ratchet.tablet.proto.CacheNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerExpiryTest {
    private static final long SECOND = 1_000_000_000L;
    private static final String SELF = "a".repeat(64);
    private static final String PEER = "b".repeat(64);
    private static final String OTHER = "c".repeat(64);

    private static CacheNode node(String id, long heartbeats) {
        return CacheNode.newBuilder().setNodeId(id).setHeartbeats(heartbeats).build();
    }

    @Test
    void aPeerStuckForTheExpiryTime_isOverdue_atTheCountItStopped() {
        PeerExpiry expiry = new PeerExpiry(SELF, 10 * SECOND);

        assertEquals(List.of(), expiry.observe(List.of(node(SELF, 1), node(PEER, 5)), 0));
        assertEquals(List.of(), expiry.observe(List.of(node(SELF, 9), node(PEER, 5)), 9 * SECOND));
        assertEquals(
                List.of(new PeerExpiry.Overdue(PEER, 5)),
                expiry.observe(List.of(node(SELF, 9), node(PEER, 5)), 10 * SECOND));
    }

    @Test
    void aMovingCount_restartsTheWait() {
        PeerExpiry expiry = new PeerExpiry(SELF, 10 * SECOND);
        expiry.observe(List.of(node(PEER, 5)), 0);
        expiry.observe(List.of(node(PEER, 6)), 8 * SECOND);

        assertEquals(List.of(), expiry.observe(List.of(node(PEER, 6)), 17 * SECOND));
        assertEquals(List.of(new PeerExpiry.Overdue(PEER, 6)), expiry.observe(List.of(node(PEER, 6)), 18 * SECOND));
    }

    @Test
    void thisNode_isNeverOverdue_evenWhenItsOwnCountStands() {
        PeerExpiry expiry = new PeerExpiry(SELF, SECOND);
        expiry.observe(List.of(node(SELF, 1)), 0);

        assertEquals(List.of(), expiry.observe(List.of(node(SELF, 1)), 100 * SECOND));
    }

    @Test
    void aNodeFirstSeenLate_waitsTheWholeExpiryTime_fromWhenThisNodeFirstSawIt() {
        PeerExpiry expiry = new PeerExpiry(SELF, 10 * SECOND);
        expiry.observe(List.of(node(PEER, 1)), 0);
        expiry.observe(List.of(node(PEER, 1), node(OTHER, 7)), 9 * SECOND);

        assertEquals(
                List.of(new PeerExpiry.Overdue(PEER, 1)),
                expiry.observe(List.of(node(PEER, 1), node(OTHER, 7)), 10 * SECOND));
        assertEquals(
                List.of(new PeerExpiry.Overdue(PEER, 1), new PeerExpiry.Overdue(OTHER, 7)),
                expiry.observe(List.of(node(PEER, 1), node(OTHER, 7)), 19 * SECOND));
    }

    @Test
    void aNodeThatLeftAndCameBack_startsAFreshWait() {
        PeerExpiry expiry = new PeerExpiry(SELF, 10 * SECOND);
        expiry.observe(List.of(node(PEER, 3)), 0);
        expiry.observe(List.of(), 5 * SECOND);

        assertEquals(List.of(), expiry.observe(List.of(node(PEER, 3)), 12 * SECOND));
        assertEquals(List.of(new PeerExpiry.Overdue(PEER, 3)), expiry.observe(List.of(node(PEER, 3)), 22 * SECOND));
    }

    @Test
    void expiryTime_mustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new PeerExpiry(SELF, 0));
    }
}
