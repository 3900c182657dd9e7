package dev.ratchet.raft;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A replica's SHA-256 hash chain over the state-machine entries it applied, and the recent heads
 * it keeps to check the leader's checkpoints against.
 *
 * <p>Threat: Raft matches logs by (term, index) only and never looks at content, so a replica
 * whose log was substituted (a bug, or memory tampering the TEE failed to stop) would apply
 * different commands at the same indexes and silently diverge. Folding every applied entry into
 * {@code H_i = SHA-256(domain || H_prev || term || index || payload)} makes divergence visible: the
 * leader periodically logs its head, and every replica compares it with its own head at that
 * index when it applies the checkpoint ({@link #check}). Configuration entries are not folded:
 * Ratis never hands them to the state machine, and their effect (membership) is already
 * agreed by Raft itself.
 *
 * <p>Not thread-safe; the state machine folds and checks under its own lock. {@link #head()} may be
 * read from any thread: it returns an immutable value published through a volatile field.
 */
final class HashChain {
    /** The length of a head: one SHA-256 digest. */
    static final int HEAD_BYTES = 32;

    /**
     * How many recent heads a replica remembers. A checkpoint names the leader's last applied entry
     * when it was logged, and at most {@code raft.server.write.element-limit} (4096 by default)
     * entries can be pending between that entry and the checkpoint; twice that leaves margin.
     */
    static final int HEADS_KEPT = 8192;

    private static final byte[] DOMAIN = "ratchet raft chain v1\0".getBytes(StandardCharsets.US_ASCII);

    /** The chain after the entry at {@code index}: immutable. */
    record Head(long index, byte[] digest) {
        Head {
            digest = digest.clone();
            if (digest.length != HEAD_BYTES) {
                throw new IllegalArgumentException("a chain head is " + HEAD_BYTES + " bytes, not " + digest.length);
            }
        }

        @Override
        public byte[] digest() {
            return digest.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Head head && head.index == index && Arrays.equals(head.digest, digest);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(index) * 31 + Arrays.hashCode(digest);
        }

        @Override
        public String toString() {
            return index + ":" + HexFormat.of().formatHex(digest);
        }
    }

    /** The outcome of comparing a checkpoint with this replica's own chain. */
    enum Verdict {
        /** This replica's head at the checkpoint's index is the leader's. */
        AGREES,
        /** This replica's head differs: its log diverged, and it must stop. */
        DIVERGES,
        /** The index is older than this replica's remembered heads (e.g. before its snapshot). */
        UNKNOWN
    }

    /** The head before any entry: index 0, all zeros. */
    static final Head GENESIS = new Head(0, new byte[HEAD_BYTES]);

    // Guarded by the caller (the state machine's lock).
    private final TreeMap<Long, byte[]> recent = new TreeMap<>();
    private volatile Head head = GENESIS;

    HashChain() {
        recent.put(GENESIS.index(), GENESIS.digest());
    }

    /** Returns the current head. */
    Head head() {
        return head;
    }

    /** Folds the entry {@code (term, index, payload)} into the chain; indexes must increase. */
    Head fold(long term, long index, byte[] payload) {
        Head previous = head;
        if (index <= previous.index()) {
            throw new IllegalStateException(
                    "chain entries must have increasing indexes: " + index + " after " + previous.index());
        }
        MessageDigest sha256 = sha256();
        sha256.update(DOMAIN);
        sha256.update(previous.digest());
        sha256.update(
                ByteBuffer.allocate(2 * Long.BYTES).putLong(term).putLong(index).array());
        sha256.update(payload);
        Head next = new Head(index, sha256.digest());
        remember(next);
        return next;
    }

    /** Compares the leader's checkpoint {@code leader} with this chain's head at its index. */
    Verdict check(Head leader) {
        if (leader.index() > head.index()) {
            // Cannot happen in order: the checkpoint names an entry logged before it.
            throw new IllegalStateException(
                    "checkpoint at chain index " + leader.index() + " is ahead of this replica's " + head.index());
        }
        if (recent.isEmpty() || leader.index() < recent.firstKey()) {
            return Verdict.UNKNOWN;
        }
        // The head at an index is the head after the last folded entry at or before it.
        Map.Entry<Long, byte[]> mine = recent.floorEntry(leader.index());
        return Arrays.equals(mine.getValue(), leader.digest()) ? Verdict.AGREES : Verdict.DIVERGES;
    }

    /** Returns this chain's head at {@code index}, for a divergence report. */
    String describeAt(long index) {
        Map.Entry<Long, byte[]> mine = recent.floorEntry(index);
        return mine == null ? "(forgotten)" : new Head(mine.getKey(), mine.getValue()).toString();
    }

    /** Replaces the chain with {@code restored}, taken from a snapshot; older heads are forgotten. */
    void restore(Head restored) {
        recent.clear();
        head = restored;
        recent.put(restored.index(), restored.digest());
    }

    private void remember(Head next) {
        head = next;
        recent.put(next.index(), next.digest());
        while (recent.size() > HEADS_KEPT) {
            recent.pollFirstEntry();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
