package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import dev.ratchet.cache.proto.AppliedRequest;
import dev.ratchet.cache.proto.Entry;
import dev.ratchet.cache.proto.RecordedOutcome;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
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
 *   <li>A put, a compare-and-set whose expectation holds, and a delete of an existing key are
 *       writes: each consumes the tablet's next key version and is recorded in the window (the
 *       oldest record is evicted beyond {@link TabletContents#APPLIED_REQUESTS_MAX}).
 *   <li>A failed compare-and-set and a delete of an absent key change nothing and are not recorded.
 *       A retry of one evaluates again; that is linearizable because the earlier attempt had no
 *       effect, and it keeps current values (up to a whole value each) out of the window.
 * </ol>
 *
 * <p>Each op sees the effects of the earlier ops of the batch, including a put or delete of the
 * same key. Key and value sizes are the service's to check before queueing.
 */
final class TabletBatch {
    private TabletBatch() {}

    /**
     * The result of a batch: the next contents, the outcomes index-aligned with the ops, and
     * whether anything changed. When {@code changed} is false, {@code next} is the base itself and
     * the caller need not write a new version.
     */
    record Applied(TabletContents next, List<OpOutcome> outcomes, boolean changed) {
        Applied {
            Objects.requireNonNull(next, "next");
            outcomes = List.copyOf(outcomes);
        }
    }

    /** Applies {@code ops} in order to {@code base}. */
    static Applied apply(TabletContents base, List<KvOp> ops) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(ops, "ops");
        Working working = new Working(base);
        List<OpOutcome> outcomes = new ArrayList<>(ops.size());
        for (KvOp op : ops) {
            outcomes.add(working.apply(Objects.requireNonNull(op, "op")));
        }
        if (outcomes.size() != ops.size()) {
            throw new IllegalStateException("outcomes are not aligned with ops");
        }
        if (!working.changed) {
            return new Applied(base, outcomes, false);
        }
        return new Applied(working.freeze(), outcomes, true);
    }

    /** The mutable copy of a tablet that one batch works on; confined to the applying thread. */
    private static final class Working {
        private final long tabletId;
        private final TreeMap<ByteString, Entry> entries =
                new TreeMap<>(ByteString.unsignedLexicographicalComparator());
        // Insertion order is apply order, so iteration is oldest first.
        private final LinkedHashMap<ByteString, AppliedRequest> window = new LinkedHashMap<>();
        private long nextKeyVersion;
        private boolean changed;

        Working(TabletContents base) {
            this.tabletId = base.tabletId();
            this.nextKeyVersion = base.nextKeyVersion();
            for (Entry entry : base.entries()) {
                entries.put(entry.getKey(), entry);
            }
            for (AppliedRequest record : base.appliedRequests()) {
                window.put(record.getRequestId(), record);
            }
        }

        OpOutcome apply(KvOp op) {
            AppliedRequest recorded = window.get(op.requestId());
            if (recorded != null) {
                return recorded.getOpSha256().equals(op.sha256())
                        ? replay(op, recorded.getOutcome())
                        : OpOutcome.requestIdReusedOutcome();
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

        private OpOutcome write(KvOp op) {
            long version = takeVersion();
            entries.put(
                    op.key(),
                    Entry.newBuilder()
                            .setKey(op.key())
                            .setValue(op.value())
                            .setVersion(version)
                            .build());
            return record(op, OpOutcome.written(version));
        }

        private OpOutcome delete(KvOp op) {
            Entry removed = entries.remove(op.key());
            if (removed == null) {
                return OpOutcome.deletedAbsent();
            }
            takeVersion();
            return record(op, OpOutcome.deleted(removed.getVersion()));
        }

        private Optional<StoredValue> current(ByteString key) {
            Entry entry = entries.get(key);
            return entry == null
                    ? Optional.empty()
                    : Optional.of(new StoredValue(entry.getValue(), entry.getVersion()));
        }

        private long takeVersion() {
            if (nextKeyVersion == Long.MAX_VALUE) {
                throw new IllegalStateException("tablet " + tabletId + " ran out of key versions");
            }
            changed = true;
            return nextKeyVersion++;
        }

        private OpOutcome record(KvOp op, OpOutcome outcome) {
            RecordedOutcome recorded = RecordedOutcome.newBuilder()
                    .setVersion(outcome.version())
                    .setExisted(outcome.existed())
                    .build();
            AppliedRequest previous = window.put(
                    op.requestId(),
                    AppliedRequest.newBuilder()
                            .setRequestId(op.requestId())
                            .setOpSha256(op.sha256())
                            .setOutcome(recorded)
                            .build());
            if (previous != null) {
                throw new IllegalStateException("recorded a request id that was already in the window");
            }
            if (window.size() > TabletContents.APPLIED_REQUESTS_MAX) {
                Iterator<ByteString> oldest = window.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
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

        TabletContents freeze() {
            return TabletContents.of(tabletId, nextKeyVersion, entries.values(), window.values());
        }
    }
}
