package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * The result of one {@link KvOp}, index-aligned with the ops of a batch; the service turns it into
 * the op's response.
 *
 * <ul>
 *   <li>{@code succeeded}: put and delete always (unless the id was reused); compare-and-set when
 *       the expectation held.
 *   <li>{@code version}: on success the new version (put, compare-and-set) or the version of the
 *       deleted entry (delete; 0 when the key was absent); on compare-and-set failure the key's
 *       current version, 0 if absent.
 *   <li>{@code existed}: delete only, whether the key existed and was removed.
 *   <li>{@code currentFound}, {@code currentValue}: compare-and-set failure only, the key's current
 *       state (empty value when absent).
 *   <li>{@code refusal}: why nothing was applied without evaluating the op, answered as that
 *       error: the request id was already applied with a different op ({@code REQUEST_ID_REUSED}),
 *       or it is not in the window and its stamp is older than the window covers ({@code
 *       REQUEST_TOO_OLD}); {@link Refusal#NONE} otherwise.
 * </ul>
 */
record OpOutcome(
        boolean succeeded,
        long version,
        boolean existed,
        boolean currentFound,
        ByteString currentValue,
        Refusal refusal) {
    private static final OpOutcome REQUEST_ID_REUSED =
            new OpOutcome(false, 0, false, false, ByteString.EMPTY, Refusal.REQUEST_ID_REUSED);
    private static final OpOutcome REQUEST_TOO_OLD =
            new OpOutcome(false, 0, false, false, ByteString.EMPTY, Refusal.REQUEST_TOO_OLD);
    private static final OpOutcome DELETED_ABSENT =
            new OpOutcome(true, 0, false, false, ByteString.EMPTY, Refusal.NONE);

    /** Why an op was refused unevaluated, if it was. */
    enum Refusal {
        NONE,
        REQUEST_ID_REUSED,
        REQUEST_TOO_OLD
    }

    OpOutcome {
        Objects.requireNonNull(currentValue, "currentValue");
        Objects.requireNonNull(refusal, "refusal");
        if (refusal != Refusal.NONE && succeeded) {
            throw new IllegalArgumentException("a refused op cannot succeed");
        }
        if (!currentFound && !currentValue.isEmpty()) {
            throw new IllegalArgumentException("a current value without a current entry");
        }
    }

    /** A put (or successful compare-and-set) that wrote {@code version}. */
    static OpOutcome written(long version) {
        requireVersion(version);
        return new OpOutcome(true, version, false, false, ByteString.EMPTY, Refusal.NONE);
    }

    /** A delete that removed the entry written at {@code version}. */
    static OpOutcome deleted(long version) {
        requireVersion(version);
        return new OpOutcome(true, version, true, false, ByteString.EMPTY, Refusal.NONE);
    }

    /** A delete of a key that did not exist. */
    static OpOutcome deletedAbsent() {
        return DELETED_ABSENT;
    }

    /** A compare-and-set whose expectation did not hold; {@code current} is the key's state. */
    static OpOutcome compareFailed(java.util.Optional<StoredValue> current) {
        return current.map(c -> new OpOutcome(false, c.version(), false, true, c.value(), Refusal.NONE))
                .orElseGet(() -> new OpOutcome(false, 0, false, false, ByteString.EMPTY, Refusal.NONE));
    }

    /** An op whose request id was already applied with a different op. */
    static OpOutcome requestIdReusedOutcome() {
        return REQUEST_ID_REUSED;
    }

    /** An op whose id is not in the window and whose stamp is below the window's floor. */
    static OpOutcome requestTooOldOutcome() {
        return REQUEST_TOO_OLD;
    }

    /** Whether the request id was already applied with a different op. */
    boolean requestIdReused() {
        return refusal == Refusal.REQUEST_ID_REUSED;
    }

    private static void requireVersion(long version) {
        if (version < 1) {
            throw new IllegalArgumentException("version must be at least 1: " + version);
        }
    }
}
