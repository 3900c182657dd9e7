package dev.ratchet.tablet;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.IdempotencyEntry;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.QueryResult;
import dev.ratchet.tablet.proto.Rejection;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.Snapshot;
import java.nio.ByteBuffer;

/**
 * The tablet store's replicated state machine: a pure, deterministic {@code apply(command) ->
 * result} over tablets, the ring, the sector array, data keys, cache nodes and the attestation
 * policy (DESIGN.md §4).
 *
 * <p><b>Determinism.</b> Apply reads no clock, no randomness, no I/O and no hash or identity
 * order; what must be random (data keys, the authority key pair) or chosen (split points) arrives
 * in the command from the proposer. The same commands in the same order give the same results and
 * byte-identical {@linkplain #snapshot() snapshots} on every replica.
 *
 * <p><b>Errors.</b> Apply never throws. Every command is validated completely before it changes
 * anything, and every outcome is a typed {@link Result}: a status enum per command, or a
 * {@link Rejection} for commands no handler accepted (malformed, not bootstrapped, reused request
 * id). A {@link RuntimeException} escaping a handler is a bug here, and the state may be half
 * changed; the machine then <em>fails stop</em>: that command and every later one get
 * {@link Rejection.Reason#STATE_MACHINE_FAILED}, queries get {@code STATE_MACHINE_FAILED}, and
 * {@link #snapshot()} throws, so a possibly corrupt state is never served or copied. Since apply
 * is deterministic, every replica fails at the same entry; the adapter must stop the node loudly
 * and the operator replaces the cluster, which is safer than replicas that diverge.
 *
 * <p><b>Secrets.</b> The state holds data-encryption keys and the authority private key in RAM.
 * Snapshots contain them too: a snapshot must stay in RAM and travel only over attested channels.
 *
 * <p><b>Threads.</b> Not thread-safe. Ratis runs queries concurrently with applies, so the adapter
 * must guard both with one lock (or a read-write lock, queries taking the read side).
 */
public final class TabletStateMachine {
    private final TabletState state;
    // Null while healthy; once set, the machine refuses everything (fail-stop). Guarded by the caller.
    private String failure;

    TabletStateMachine(TabletState state) {
        this.state = state;
    }

    /** Returns an empty state machine that accepts only a {@code Bootstrap} command first. */
    public static TabletStateMachine create() {
        return new TabletStateMachine(new TabletState());
    }

    /**
     * Returns a state machine restored from {@link #snapshot()} bytes.
     *
     * @throws IllegalArgumentException if the bytes are not a snapshot of a supported format, or
     *     describe an inconsistent state
     */
    public static TabletStateMachine restore(byte[] snapshot) {
        try {
            return new TabletStateMachine(TabletState.fromSnapshot(Snapshot.parseFrom(snapshot)));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("snapshot does not parse: " + e.getMessage(), e);
        }
    }

    /**
     * Returns the ring position of a key: the first 8 bytes of SHA-256(key), big-endian, as an
     * unsigned 64-bit value. Cache nodes must route with this same function.
     */
    public static long ringPosition(ByteString key) {
        return ByteBuffer.wrap(InputRules.sha256(key.toByteArray())).getLong();
    }

    /** Applies one committed command and returns its result; never throws (see the class notes). */
    public Result apply(Command command) {
        if (failure != null) {
            return rejection(Rejection.Reason.STATE_MACHINE_FAILED, failure);
        }
        try {
            return applyOnce(command);
        } catch (RuntimeException e) {
            failure =
                    "state machine stopped after an unexpected " + e.getClass().getName() + ": " + e.getMessage();
            return rejection(Rejection.Reason.STATE_MACHINE_FAILED, failure);
        }
    }

    /** Answers a read-only query; never changes the state. */
    public QueryResult query(Query query) {
        if (failure != null) {
            return Queries.status(QueryResult.Status.STATE_MACHINE_FAILED, failure);
        }
        return Queries.answer(state, query);
    }

    /**
     * Returns the whole state as deterministic bytes: equal states give equal bytes.
     *
     * @throws IllegalStateException if the machine failed stop (its state may be inconsistent)
     */
    public byte[] snapshot() {
        if (failure != null) {
            throw new IllegalStateException("refusing to snapshot a failed state machine: " + failure);
        }
        return state.toSnapshot().toByteArray();
    }

    /** Returns whether the machine has failed stop. */
    public boolean failed() {
        return failure != null;
    }

    /** Returns the state as a snapshot message, unserialized; for tests. */
    Snapshot snapshotMessage() {
        return state.toSnapshot();
    }

    /** Checks every invariant of the state; for tests and diagnostics (linear in the state size). */
    void checkInvariants() {
        state.checkInvariants();
    }

    private Result applyOnce(Command command) {
        ByteString requestId = command.getRequestId();
        if (requestId.isEmpty() || requestId.size() > Limits.REQUEST_ID_BYTES_MAX) {
            return rejection(
                    Rejection.Reason.MALFORMED, "request id must be 1.." + Limits.REQUEST_ID_BYTES_MAX + " bytes");
        }
        if (command.getKindCase() == Command.KindCase.KIND_NOT_SET) {
            return rejection(Rejection.Reason.MALFORMED, "no command kind");
        }
        ByteString commandSha256 = ByteString.copyFrom(InputRules.sha256(command.toByteArray()));
        IdempotencyEntry recorded = state.window.get(requestId);
        if (recorded != null) {
            if (!recorded.getCommandSha256().equals(commandSha256)) {
                return rejection(Rejection.Reason.REQUEST_ID_REUSED, "request id was used for a different command");
            }
            return recorded.getResult().toBuilder().setReplayed(true).build();
        }
        if (!state.bootstrapped && command.getKindCase() != Command.KindCase.BOOTSTRAP) {
            return rejection(Rejection.Reason.NOT_BOOTSTRAPPED, "the cluster is not bootstrapped");
        }
        Result result = dispatch(command);
        state.window.record(requestId, commandSha256, result);
        return result;
    }

    private Result dispatch(Command command) {
        return switch (command.getKindCase()) {
            case BOOTSTRAP -> ClusterCommands.bootstrap(state, command.getBootstrap());
            case COMMIT_TABLETS -> TabletCommands.commit(state, command.getCommitTablets());
            case RESERVE_STRIPES -> ArrayCommands.reserve(state, command.getReserveStripes());
            case RELEASE_STRIPES -> ArrayCommands.release(state, command.getReleaseStripes());
            case CLAIM_TRIM -> ArrayCommands.claimTrim(state, command.getClaimTrim());
            case CONFIRM_TRIMMED -> ArrayCommands.confirmTrimmed(state, command.getConfirmTrimmed());
            case SPLIT_TABLET -> TabletCommands.split(state, command.getSplitTablet());
            case MERGE_TABLETS -> TabletCommands.merge(state, command.getMergeTablets());
            case MARK_SLOT_DEAD -> ArrayCommands.markDead(state, command.getMarkSlotDead());
            case ASSIGN_REPLACEMENT -> ArrayCommands.assignReplacement(state, command.getAssignReplacement());
            case MARK_SLOT_REBUILT -> ArrayCommands.markRebuilt(state, command.getMarkSlotRebuilt());
            case RECORD_REBUILD_PROGRESS ->
                ArrayCommands.recordRebuildProgress(state, command.getRecordRebuildProgress());
            case ABANDON_REBUILD -> ArrayCommands.abandonRebuild(state, command.getAbandonRebuild());
            case ROTATE_DATA_KEY -> ClusterCommands.rotateDataKey(state, command.getRotateDataKey());
            case REGISTER_CACHE_NODE -> ClusterCommands.registerCacheNode(state, command.getRegisterCacheNode());
            case DEREGISTER_CACHE_NODE -> ClusterCommands.deregisterCacheNode(state, command.getDeregisterCacheNode());
            case CACHE_NODE_HEARTBEAT -> ClusterCommands.heartbeat(state, command.getCacheNodeHeartbeat());
            case UPDATE_POLICY -> ClusterCommands.updatePolicy(state, command.getUpdatePolicy());
            case KIND_NOT_SET -> throw new IllegalStateException("checked before dispatch");
        };
    }

    private static Result rejection(Rejection.Reason reason, String detail) {
        return Result.newBuilder()
                .setRejection(Rejection.newBuilder().setReason(reason).setDetail(detail))
                .build();
    }
}
