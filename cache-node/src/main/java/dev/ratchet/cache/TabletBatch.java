package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import dev.ratchet.cache.proto.AppliedRequest;
import dev.ratchet.cache.proto.Entry;
import dev.ratchet.cache.proto.RecordedOutcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Applies a batch of client writes to one tablet version, giving the next version and one outcome
 * per op.
 *
 * <p>Pure and deterministic: the same base and ops always give the same result, so a cache node
 * that loses a commit race can reload the tablet and apply the same ops again, and every CAS is
 * re-evaluated against the new state.
 *
 * <p>Rules, per op in order:
 *
 * <ol>
 *   <li>A request id in the window with the same op hash returns the recorded outcome and changes
 *       nothing; with a different hash, {@link OpOutcome#requestIdReused()} and nothing changes.
 *   <li>A request id not in the window whose stamp ({@link KvOp#issuedAtTicks()}) is below the
 *       window's floor is refused unevaluated, {@link OpOutcome.Refusal#REQUEST_TOO_OLD}: it may
 *       have been applied and forgotten ({@link TabletWindow}).
 *   <li>A put, a compare-and-set whose expectation holds, and a delete of an existing key are
 *       writes: each consumes the tablet's next key version and is recorded in the window with
 *       tick {@link TabletWindow#recordTick}; after the batch the window drops its oldest records
 *       by age (against {@code nowTicks}) and bytes.
 *   <li>A failed compare-and-set and a delete of an absent key change nothing and are not recorded.
 *       A retry of one evaluates again; that is linearizable because the earlier attempt had no
 *       effect, and it keeps current values (up to a whole value each) out of the window.
 * </ol>
 *
 * <p>Each op sees the effects of the earlier ops of the batch, including a put or delete of the
 * same key, and the whole window of the base (records are dropped only after the batch). Key and
 * value sizes are the service's to check before queueing.
 */
final class TabletBatch {
    private TabletBatch() {}

    /**
     * The result of a batch: the next contents, the outcomes index-aligned with the ops, whether
     * anything changed, and the delta from the base to {@code next} (null when nothing changed).
     * When {@code changed} is false, {@code next} is the base itself and the caller need not write
     * a new version.
     */
    record Applied(TabletContents next, List<OpOutcome> outcomes, boolean changed, TabletDelta delta) {
        Applied {
            Objects.requireNonNull(next, "next");
            outcomes = List.copyOf(outcomes);
            if (changed != (delta != null)) {
                throw new IllegalArgumentException("a changed batch has a delta, an unchanged one none");
            }
        }
    }

    /** Applies {@code ops} in order to {@code base} at store tick 0 (no age bound; for tests). */
    static Applied apply(TabletContents base, List<KvOp> ops) {
        return apply(base, ops, 0);
    }

    /** Applies {@code ops} in order to {@code base}, as a version written at store tick {@code nowTicks}. */
    static Applied apply(TabletContents base, List<KvOp> ops, long nowTicks) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(ops, "ops");
        Working working = new Working(base, nowTicks);
        List<OpOutcome> outcomes = new ArrayList<>(ops.size());
        for (KvOp op : ops) {
            outcomes.add(working.apply(Objects.requireNonNull(op, "op")));
        }
        if (outcomes.size() != ops.size()) {
            throw new IllegalStateException("outcomes are not aligned with ops");
        }
        if (!working.changed) {
            return new Applied(base, outcomes, false, null);
        }
        TabletDelta delta = working.delta();
        return new Applied(delta.applyWritten(base), outcomes, true, delta);
    }

    /**
     * The changes one batch makes to a tablet, over the unchanged base; confined to the applying
     * thread.
     *
     * <p>A batch touches a few dozen keys of a tablet that may hold thousands, so the working state
     * is an overlay: changed keys in a small sorted map, lookups falling through to the base's
     * sorted entries, and one linear merge at the end. Copying the whole tablet into a map for
     * every batch cost more than sealing it.
     */
    private static final class Working {
        // Marks a key the batch deleted; compared by identity.
        private static final Entry DELETED = Entry.newBuilder().setVersion(-1).build();

        private final TabletContents base;
        private final TreeMap<ByteString, Entry> changes = new TreeMap<>(TabletContents.KEY_ORDER);
        // Request id -> position in the window sequence: base records are 0..n-1 (oldest first),
        // this batch's records follow.
        private final HashMap<ByteString, Integer> windowPositions;
        private final List<AppliedRequest> recorded = new ArrayList<>();
        private final int baseWindowSize;
        private final long nowTicks;
        private long nextKeyVersion;
        private boolean changed;

        Working(TabletContents base, long nowTicks) {
            this.base = base;
            this.nowTicks = nowTicks;
            this.nextKeyVersion = base.nextKeyVersion();
            List<AppliedRequest> window = base.appliedRequests();
            this.baseWindowSize = window.size();
            this.windowPositions = new HashMap<>(window.size() * 2);
            for (int i = 0; i < window.size(); i++) {
                windowPositions.put(window.get(i).getRequestId(), i);
            }
        }

        OpOutcome apply(KvOp op) {
            AppliedRequest recordedBefore = liveRecord(op.requestId());
            if (recordedBefore != null) {
                return recordedBefore.getOpSha256().equals(op.sha256())
                        ? replay(op, recordedBefore.getOutcome())
                        : OpOutcome.requestIdReusedOutcome();
            }
            if (TabletWindow.tooOldToApply(op, base.windowFloorTicks())) {
                return OpOutcome.requestTooOldOutcome();
            }
            switch (op.kind()) {
                case PUT:
                    return write(op);
                case DELETE:
                    return delete(op);
                case COMPARE_AND_SET:
                    Optional<StoredValue> current = current(op.key());
                    return op.expectation().matches(current) ? write(op) : OpOutcome.compareFailed(current);
            }
            throw new AssertionError(op.kind());
        }

        private AppliedRequest liveRecord(ByteString requestId) {
            Integer position = windowPositions.get(requestId);
            if (position == null) {
                return null;
            }
            return position < baseWindowSize
                    ? base.appliedRequests().get(position)
                    : recorded.get(position - baseWindowSize);
        }

        private OpOutcome write(KvOp op) {
            long version = takeVersion();
            changes.put(
                    op.key(),
                    Entry.newBuilder()
                            .setKey(op.key())
                            .setValue(op.value())
                            .setVersion(version)
                            .build());
            return record(op, OpOutcome.written(version));
        }

        private OpOutcome delete(KvOp op) {
            Entry removed = currentEntry(op.key());
            if (removed == null) {
                return OpOutcome.deletedAbsent();
            }
            changes.put(op.key(), DELETED);
            takeVersion();
            return record(op, OpOutcome.deleted(removed.getVersion()));
        }

        private Entry currentEntry(ByteString key) {
            Entry change = changes.get(key);
            if (change != null) {
                return change == DELETED ? null : change;
            }
            List<Entry> entries = base.entries();
            int index = TabletContents.indexOf(entries, key);
            return index < 0 ? null : entries.get(index);
        }

        private Optional<StoredValue> current(ByteString key) {
            Entry entry = currentEntry(key);
            return entry == null
                    ? Optional.empty()
                    : Optional.of(new StoredValue(entry.getValue(), entry.getVersion()));
        }

        private long takeVersion() {
            if (nextKeyVersion == Long.MAX_VALUE) {
                throw new IllegalStateException("tablet " + base.tabletId() + " ran out of key versions");
            }
            changed = true;
            return nextKeyVersion++;
        }

        private OpOutcome record(KvOp op, OpOutcome outcome) {
            RecordedOutcome recordedOutcome = RecordedOutcome.newBuilder()
                    .setVersion(outcome.version())
                    .setExisted(outcome.existed())
                    .build();
            if (liveRecord(op.requestId()) != null) {
                throw new IllegalStateException("recorded a request id that was already in the window");
            }
            windowPositions.put(op.requestId(), baseWindowSize + recorded.size());
            recorded.add(AppliedRequest.newBuilder()
                    .setRequestId(op.requestId())
                    .setOpSha256(op.sha256())
                    .setOutcome(recordedOutcome)
                    .setTick(TabletWindow.recordTick(op, nowTicks))
                    .build());
            return outcome;
        }

        /** Rebuilds the outcome recorded for {@code op}; only writes are ever recorded. */
        private static OpOutcome replay(KvOp op, RecordedOutcome recorded) {
            switch (op.kind()) {
                case PUT:
                case COMPARE_AND_SET:
                    return OpOutcome.written(recorded.getVersion());
                case DELETE:
                    return OpOutcome.deleted(recorded.getVersion());
            }
            throw new AssertionError(op.kind());
        }

        /** Returns the batch's changes as a delta on the base. */
        TabletDelta delta() {
            List<Entry> puts = new ArrayList<>(changes.size());
            List<ByteString> deletes = new ArrayList<>();
            for (Map.Entry<ByteString, Entry> change : changes.entrySet()) {
                if (change.getValue() != DELETED) {
                    puts.add(change.getValue());
                } else if (TabletContents.indexOf(base.entries(), change.getKey()) >= 0) {
                    // A key the batch put and then deleted was never in the base: nothing to delete.
                    deletes.add(change.getKey());
                }
            }
            // Every record: the bounds are applied when the delta joins the base, by writer and
            // readers alike.
            return TabletDelta.of(base.tabletId(), nextKeyVersion, puts, deletes, recorded, nowTicks);
        }
    }
}
