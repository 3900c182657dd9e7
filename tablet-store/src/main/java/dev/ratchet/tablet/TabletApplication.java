package dev.ratchet.tablet;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ratchet.raft.ReplicatedApplication;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.QueryResult;
import dev.ratchet.tablet.proto.Rejection;
import dev.ratchet.tablet.proto.Result;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The thin Raft adapter around {@link TabletStateMachine}: bytes in, protobuf parse, pure apply,
 * bytes out.
 *
 * <p>Bytes that do not parse as a {@link Command} are an ordinary, replicated outcome (a {@link
 * Rejection.Reason#MALFORMED} result), never an exception, because an exception from apply kills
 * the node. When the state machine fails stop, the adapter reports it once to {@code onFailStop},
 * which stops the node loudly: every replica fails at the same entry, so the group stops rather
 * than serve a state that may be half changed.
 *
 * <p>Thread-safe: {@link ReplicatedApplication} promises one call at a time, but the state
 * machine is not thread-safe and a broken promise would corrupt it silently, so every method takes
 * the one lock. No I/O or callbacks run under it except {@code onFailStop}, which must only hand
 * off to another thread.
 */
final class TabletApplication implements ReplicatedApplication {
    private final Consumer<String> onFailStop;
    // Guarded by this: the state machine, replaced whole by restore.
    private TabletStateMachine machine = TabletStateMachine.create();
    // Guarded by this: whether onFailStop was called.
    private boolean failStopReported;

    TabletApplication(Consumer<String> onFailStop) {
        this.onFailStop = Objects.requireNonNull(onFailStop, "onFailStop");
    }

    @Override
    public synchronized byte[] apply(byte[] command) {
        Command parsed;
        try {
            parsed = Command.parseFrom(command);
        } catch (InvalidProtocolBufferException e) {
            return malformed("command does not parse: " + e.getMessage()).toByteArray();
        }
        Result result = machine.apply(parsed);
        if (machine.failed() && !failStopReported) {
            failStopReported = true;
            onFailStop.accept(result.getRejection().getDetail());
        }
        return result.toByteArray();
    }

    @Override
    public synchronized byte[] query(byte[] query) {
        Query parsed;
        try {
            parsed = Query.parseFrom(query);
        } catch (InvalidProtocolBufferException e) {
            return QueryResult.newBuilder()
                    .setStatus(QueryResult.Status.INVALID)
                    .setDetail("query does not parse: " + e.getMessage())
                    .build()
                    .toByteArray();
        }
        return machine.query(parsed).toByteArray();
    }

    /**
     * Returns the state machine's snapshot.
     *
     * @throws IllegalStateException if the machine failed stop, so a possibly corrupt state is
     *     never copied to a joiner
     */
    @Override
    public synchronized byte[] snapshot() {
        return machine.snapshot();
    }

    /**
     * Replaces the state with a snapshot from another replica.
     *
     * @throws IllegalArgumentException if the bytes are not a consistent snapshot; the raft layer
     *     then refuses to install it
     */
    @Override
    public synchronized void restore(byte[] snapshot) {
        machine = TabletStateMachine.restore(snapshot);
        failStopReported = false;
    }

    static Result malformed(String detail) {
        return Result.newBuilder()
                .setRejection(Rejection.newBuilder()
                        .setReason(Rejection.Reason.MALFORMED)
                        .setDetail(detail))
                .build();
    }
}
