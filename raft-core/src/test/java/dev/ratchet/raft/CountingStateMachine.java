package dev.ratchet.raft;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;

/** A test state machine that counts applied entries and answers each with the new count. */
final class CountingStateMachine extends BaseStateMachine {
    private final AtomicLong applied = new AtomicLong();

    long applied() {
        return applied.get();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long count = applied.incrementAndGet();
        // Overriding applyTransaction makes us responsible for the applied index (ratis-guide §3.2).
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return CompletableFuture.completedFuture(Message.valueOf(Long.toString(count)));
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        return CompletableFuture.completedFuture(Message.valueOf(Long.toString(applied.get())));
    }

    static long count(Message reply) {
        return Long.parseLong(reply.getContent().toString(StandardCharsets.UTF_8));
    }
}
