package dev.ratchet.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The plain-Ratis baseline's state machine: a trivial compare-and-commit over versioned records,
 * with nothing of Ratchet's (no envelope, hash chain, idempotency window, snapshots or locks).
 *
 * <p>An entry is the length of its records (4 bytes) and a run of records of that length; each
 * record is a key (8 bytes), the version the writer expects (8 bytes) and a value filling the
 * rest. A record whose expected version is the key's current one moves the key to the next version
 * and keeps the value (a slice of the log entry, no copy). The answer is one byte per record, 1
 * for committed and 0 for refused; an entry that is not of this shape is answered with no bytes.
 * Ratis's default {@code startTransaction} logs the request's bytes as they came.
 */
final class VersionedRecordsStateMachine extends BaseStateMachine {
    /** Bytes of a record's key and expected version. */
    static final int HEADER_BYTES = 2 * Long.BYTES;

    // Only the updater thread applies; nothing else reads them.
    private final Map<Long, Long> versions = new HashMap<>();
    private final Map<Long, ByteString> values = new HashMap<>();

    /** Returns an entry of records of {@code recordBytes} each, one per key, expecting {@code expected[i]}. */
    static ByteString entry(long[] keys, long[] expected, int recordBytes) {
        if (recordBytes < HEADER_BYTES) {
            throw new IllegalArgumentException("a record needs at least " + HEADER_BYTES + " bytes: " + recordBytes);
        }
        ByteBuffer entry = ByteBuffer.allocate(Integer.BYTES + keys.length * recordBytes);
        entry.putInt(recordBytes);
        for (int i = 0; i < keys.length; i++) {
            entry.position(Integer.BYTES + i * recordBytes);
            entry.putLong(keys[i]).putLong(expected[i]);
        }
        return ByteString.copyFrom(entry.array());
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
        super.initialize(server, groupId, storage);
        getLifeCycle().startAndTransition(() -> {});
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        ByteString data = entry.getStateMachineLogEntry().getLogData();
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(apply(data))));
    }

    private byte[] apply(ByteString data) {
        ByteBuffer records = data.asReadOnlyByteBuffer();
        int recordBytes = data.size() < Integer.BYTES ? 0 : records.getInt(0);
        if (recordBytes < HEADER_BYTES) {
            return new byte[0];
        }
        byte[] answer = new byte[(data.size() - Integer.BYTES) / recordBytes];
        for (int i = 0; i < answer.length; i++) {
            int offset = Integer.BYTES + i * recordBytes;
            long key = records.getLong(offset);
            long expected = records.getLong(offset + Long.BYTES);
            if (versions.getOrDefault(key, 0L) == expected) {
                versions.put(key, expected + 1);
                values.put(key, data.substring(offset + HEADER_BYTES, offset + recordBytes));
                answer[i] = 1;
            }
        }
        return answer;
    }
}
