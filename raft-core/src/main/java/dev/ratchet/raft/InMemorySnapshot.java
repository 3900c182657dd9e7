package dev.ratchet.raft;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.SnapshotInfo;

/**
 * A snapshot that lives only in memory: the application state and chain head after the entry at
 * {@code termIndex}. It has no files, so Ratis cannot ship it; followers fetch it through {@link
 * SideChannels} instead (notification mode, ratis-guide §3.5).
 */
record InMemorySnapshot(TermIndex termIndex, HashChain.Head chainHead, byte[] state) implements SnapshotInfo {
    private static final int HEADER_BYTES = 3 * Long.BYTES + HashChain.HEAD_BYTES;

    InMemorySnapshot {
        if (chainHead.index() > termIndex.getIndex()) {
            throw new IllegalArgumentException("chain head " + chainHead + " is after snapshot index " + termIndex);
        }
    }

    @Override
    public TermIndex getTermIndex() {
        return termIndex;
    }

    /** Returns no files: nothing of this snapshot is ever written anywhere. */
    @Override
    public List<FileInfo> getFiles() {
        return List.of();
    }

    /** Returns the wire form: term, index, chain index, chain digest, then the state. */
    byte[] encode() {
        return ByteBuffer.allocate(HEADER_BYTES + state.length)
                .putLong(termIndex.getTerm())
                .putLong(termIndex.getIndex())
                .putLong(chainHead.index())
                .put(chainHead.digest())
                .put(state)
                .array();
    }

    /** Returns the snapshot {@link #encode} wrote. */
    static InMemorySnapshot decode(byte[] bytes) {
        if (bytes.length < HEADER_BYTES) {
            throw new IllegalArgumentException(
                    "a snapshot needs at least " + HEADER_BYTES + " bytes, got " + bytes.length);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        TermIndex termIndex = TermIndex.valueOf(buffer.getLong(), buffer.getLong());
        long chainIndex = buffer.getLong();
        byte[] digest = new byte[HashChain.HEAD_BYTES];
        buffer.get(digest);
        byte[] state = new byte[buffer.remaining()];
        buffer.get(state);
        return new InMemorySnapshot(termIndex, new HashChain.Head(chainIndex, digest), state);
    }
}
