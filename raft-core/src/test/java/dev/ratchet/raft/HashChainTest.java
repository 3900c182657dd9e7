package dev.ratchet.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The hash chain is deterministic, sensitive to every input, and judges checkpoints correctly. */
class HashChainTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String digestHex(HashChain chain) {
        return HexFormat.of().formatHex(chain.head().digest());
    }

    @Test
    void identicalLogsGiveIdenticalHeads() {
        HashChain a = new HashChain();
        HashChain b = new HashChain();
        for (long i = 1; i <= 5; i++) {
            a.fold(1, i, bytes("e" + i));
            b.fold(1, i, bytes("e" + i));
        }
        assertEquals(a.head(), b.head());
        assertEquals(5, a.head().index());
    }

    @Test
    void payloadTermAndIndexAllChangeTheHead() {
        HashChain base = new HashChain();
        HashChain payload = new HashChain();
        HashChain term = new HashChain();
        HashChain index = new HashChain();
        base.fold(1, 1, bytes("x"));
        payload.fold(1, 1, bytes("y"));
        term.fold(2, 1, bytes("x"));
        index.fold(1, 2, bytes("x"));
        assertNotEquals(base.head(), payload.head());
        assertNotEquals(digestHex(base), digestHex(term));
        assertNotEquals(digestHex(base), digestHex(index));
    }

    @Test
    void checkpointAgreesWithTheSameChainAndCatchesADivergence() {
        HashChain leader = new HashChain();
        HashChain follower = new HashChain();
        HashChain tampered = new HashChain();
        for (long i = 1; i <= 10; i++) {
            leader.fold(1, i, bytes("e" + i));
            follower.fold(1, i, bytes("e" + i));
            tampered.fold(1, i, bytes(i == 4 ? "evil" : "e" + i));
        }
        HashChain.Head checkpoint = leader.head();
        assertEquals(HashChain.Verdict.AGREES, follower.check(checkpoint));
        assertEquals(HashChain.Verdict.DIVERGES, tampered.check(checkpoint));
    }

    @Test
    void checkpointAtAnIndexWithoutAnEntryUsesTheHeadBeforeIt() {
        HashChain follower = new HashChain();
        follower.fold(1, 1, bytes("a"));
        HashChain.Head afterOne = follower.head();
        // Index 2 was a configuration entry, never folded; index 3 is the next state-machine entry.
        follower.fold(1, 3, bytes("b"));
        assertEquals(HashChain.Verdict.AGREES, follower.check(new HashChain.Head(2, afterOne.digest())));
    }

    @Test
    void restoredChainContinuesAndCannotJudgeOlderCheckpoints() {
        HashChain leader = new HashChain();
        for (long i = 1; i <= 5; i++) {
            leader.fold(1, i, bytes("e" + i));
        }
        HashChain.Head early = new HashChain.Head(2, new byte[HashChain.HEAD_BYTES]);
        HashChain joiner = new HashChain();
        joiner.restore(leader.head());
        leader.fold(1, 6, bytes("e6"));
        joiner.fold(1, 6, bytes("e6"));
        assertEquals(leader.head(), joiner.head());
        assertEquals(HashChain.Verdict.UNKNOWN, joiner.check(early));
    }

    @Test
    void indexesMustIncrease() {
        HashChain chain = new HashChain();
        chain.fold(1, 5, bytes("a"));
        assertThrows(IllegalStateException.class, () -> chain.fold(1, 5, bytes("b")));
    }

    @Test
    void checkpointEnvelopeRoundTrips() {
        HashChain chain = new HashChain();
        chain.fold(3, 7, bytes("a"));
        byte[] entry = LogEnvelope.checkpoint(chain.head());
        assertEquals(LogEnvelope.CHECKPOINT, LogEnvelope.of(entry));
        assertEquals(chain.head(), LogEnvelope.checkpointHead(entry));
        assertThrows(IllegalArgumentException.class, () -> LogEnvelope.checkpointHead(new byte[] {3, 1}));
        assertThrows(IllegalArgumentException.class, () -> LogEnvelope.of(new byte[] {99}));
    }
}
