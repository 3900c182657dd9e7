package dev.ratchet.tablet;

import dev.ratchet.tablet.proto.CommitTablets;
import dev.ratchet.tablet.proto.CommitTabletsResult;
import dev.ratchet.tablet.proto.MergeTablets;
import dev.ratchet.tablet.proto.MergeTabletsResult;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.Slot;
import dev.ratchet.tablet.proto.SlotState;
import dev.ratchet.tablet.proto.SplitTablet;
import dev.ratchet.tablet.proto.SplitTabletResult;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletCommit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The commands that move tablets to new versions: compare-and-commit, split and merge.
 *
 * <p>All three are copy-on-write: every stripe of a new blob must be freshly reserved by the
 * committing cache node, and the stripes of the replaced blobs go to pending trim. Each handler
 * checks everything before it changes anything, so a refused command leaves the state untouched.
 */
final class TabletCommands {
    private TabletCommands() {}

    static Result commit(TabletState state, CommitTablets command) {
        String node = command.getCacheNodeId();
        int count = command.getCommitsCount();
        List<TabletBlob> blobs = new ArrayList<>(count);
        command.getCommitsList().forEach(commit -> blobs.add(commit.getBlob()));
        Result refusal = commitShapeRefusal(state, command, blobs);
        if (refusal != null) {
            return refusal;
        }
        if (!state.cacheNodes.contains(node)) {
            return commitResult(CommitTabletsResult.Status.UNKNOWN_CACHE_NODE, node);
        }
        List<Tablet> current = new ArrayList<>(count);
        for (TabletCommit commit : command.getCommitsList()) {
            Tablet tablet = state.ring.get(commit.getTabletId());
            if (tablet == null) {
                return commitResult(
                        CommitTabletsResult.Status.UNKNOWN_TABLET,
                        "tablet " + Long.toUnsignedString(commit.getTabletId()));
            }
            current.add(tablet);
        }
        boolean conflict = false;
        for (int i = 0; i < count; i++) {
            conflict |= current.get(i).version() != command.getCommits(i).getExpectedVersion();
        }
        if (conflict) {
            CommitTabletsResult.Builder result = CommitTabletsResult.newBuilder()
                    .setStatus(CommitTabletsResult.Status.VERSION_CONFLICT)
                    .setDetail("some expected version is not current");
            current.forEach(tablet -> result.addTablets(tablet.toHeader()));
            return Result.newBuilder().setCommitTablets(result).build();
        }
        String epoch = unknownEpoch(state, blobs);
        if (epoch != null) {
            return commitResult(CommitTabletsResult.Status.UNKNOWN_KEY_EPOCH, epoch);
        }
        String skipped = skippedWritableSlot(state, blobs);
        if (skipped != null) {
            return commitResult(CommitTabletsResult.Status.ARRAY_CHANGED, skipped);
        }
        String unreserved = unreservedStripe(state, node, blobs);
        if (unreserved != null) {
            return commitResult(CommitTabletsResult.Status.STRIPE_NOT_RESERVED, unreserved);
        }
        for (int i = 0; i < count; i++) {
            if (command.getCommits(i).getDelta() && current.get(i).deltas().size() >= Limits.DELTAS_PER_TABLET_MAX) {
                return commitResult(
                        CommitTabletsResult.Status.TOO_MANY_DELTAS,
                        "tablet " + Long.toUnsignedString(current.get(i).id()) + " already has "
                                + Limits.DELTAS_PER_TABLET_MAX + " deltas");
            }
        }

        CommitTabletsResult.Builder result = CommitTabletsResult.newBuilder().setStatus(CommitTabletsResult.Status.OK);
        for (int i = 0; i < count; i++) {
            Tablet old = current.get(i);
            TabletBlob blob = stored(blobs.get(i));
            Tablet next;
            if (command.getCommits(i).getDelta()) {
                // Copy-on-write still holds: the delta's stripes are fresh, and the base and the
                // earlier deltas stay, unchanged, as part of the new version.
                List<TabletBlob> deltas = new ArrayList<>(old.deltas());
                deltas.add(blob);
                next = new Tablet(old.id(), old.version() + 1, old.first(), old.last(), old.blob(), deltas);
                state.stripes.consume(node, blob.getStripesList());
            } else {
                next = new Tablet(old.id(), old.version() + 1, old.first(), old.last(), blob);
                replaceStripes(state, node, List.of(old), blob);
            }
            state.ring.put(next);
            result.addTablets(next.toHeader());
        }
        return Result.newBuilder().setCommitTablets(result).build();
    }

    /** Returns the refusal for a malformed or oversized commit, or null if its shape is acceptable. */
    private static Result commitShapeRefusal(TabletState state, CommitTablets command, List<TabletBlob> blobs) {
        if (!InputRules.isNodeId(command.getCacheNodeId())) {
            return commitResult(
                    CommitTabletsResult.Status.INVALID, "cache node id must be 64 lowercase hex characters");
        }
        int count = command.getCommitsCount();
        if (count == 0) {
            return commitResult(CommitTabletsResult.Status.INVALID, "a commit needs at least one tablet");
        }
        if (count > Limits.TABLETS_PER_COMMIT_MAX) {
            return commitResult(
                    CommitTabletsResult.Status.BATCH_TOO_LARGE,
                    count + " tablets; the most per commit is " + Limits.TABLETS_PER_COMMIT_MAX);
        }
        Set<Long> ids = new HashSet<>();
        for (TabletCommit commit : command.getCommitsList()) {
            if (!ids.add(commit.getTabletId())) {
                return commitResult(
                        CommitTabletsResult.Status.INVALID,
                        "tablet " + Long.toUnsignedString(commit.getTabletId()) + " appears twice");
            }
            if (commit.getDelta() && commit.getBlob().getStripesCount() == 0) {
                return commitResult(
                        CommitTabletsResult.Status.INVALID,
                        "the delta for tablet " + Long.toUnsignedString(commit.getTabletId()) + " has no stripes");
            }
        }
        if (stripeTotal(blobs) > Limits.STRIPES_PER_COMMAND_MAX) {
            return commitResult(
                    CommitTabletsResult.Status.BATCH_TOO_LARGE,
                    "more than " + Limits.STRIPES_PER_COMMAND_MAX + " stripes in one commit");
        }
        String shape = blobsProblem(state, blobs);
        if (shape != null) {
            return commitResult(CommitTabletsResult.Status.INVALID, shape);
        }
        return null;
    }

    static Result split(TabletState state, SplitTablet command) {
        String node = command.getCacheNodeId();
        List<TabletBlob> blobs = List.of(command.getLeftBlob(), command.getRightBlob());
        if (!InputRules.isNodeId(node)) {
            return splitResult(SplitTabletResult.Status.INVALID, "cache node id must be 64 lowercase hex characters");
        }
        if (command.getExpectedNewTabletId() == 0) {
            return splitResult(
                    SplitTabletResult.Status.INVALID, "expected_new_tablet_id is required (the right half's id)");
        }
        if (stripeTotal(blobs) > Limits.STRIPES_PER_COMMAND_MAX) {
            return splitResult(
                    SplitTabletResult.Status.INVALID,
                    "more than " + Limits.STRIPES_PER_COMMAND_MAX + " stripes in one command");
        }
        String shape = blobsProblem(state, blobs);
        if (shape != null) {
            return splitResult(SplitTabletResult.Status.INVALID, shape);
        }
        if (!state.cacheNodes.contains(node)) {
            return splitResult(SplitTabletResult.Status.UNKNOWN_CACHE_NODE, node);
        }
        Tablet tablet = state.ring.get(command.getTabletId());
        if (tablet == null) {
            return splitResult(
                    SplitTabletResult.Status.UNKNOWN_TABLET, "tablet " + Long.toUnsignedString(command.getTabletId()));
        }
        if (tablet.version() != command.getExpectedVersion()
                || state.nextTabletId != command.getExpectedNewTabletId()) {
            // The right blob is sealed under the id it expected; any other id must not accept it.
            return Result.newBuilder()
                    .setSplitTablet(SplitTabletResult.newBuilder()
                            .setStatus(SplitTabletResult.Status.VERSION_CONFLICT)
                            .setDetail("tablet " + tablet.id() + " is at version " + tablet.version()
                                    + " and the next tablet id is " + Long.toUnsignedString(state.nextTabletId))
                            .setLeft(tablet.toHeader())
                            .setNextTabletId(state.nextTabletId))
                    .build();
        }
        long position = command.getSplitPosition();
        if (Long.compareUnsigned(position, tablet.first()) <= 0 || Long.compareUnsigned(position, tablet.last()) > 0) {
            return splitResult(
                    SplitTabletResult.Status.BAD_SPLIT_POSITION,
                    "position " + Long.toUnsignedString(position) + " is not in ("
                            + Long.toUnsignedString(tablet.first()) + ", " + Long.toUnsignedString(tablet.last())
                            + "]");
        }
        if (state.ring.size() >= Limits.TABLETS_MAX) {
            return splitResult(SplitTabletResult.Status.TABLET_LIMIT, "already " + Limits.TABLETS_MAX + " tablets");
        }
        String epoch = unknownEpoch(state, blobs);
        if (epoch != null) {
            return splitResult(SplitTabletResult.Status.UNKNOWN_KEY_EPOCH, epoch);
        }
        String skipped = skippedWritableSlot(state, blobs);
        if (skipped != null) {
            return splitResult(SplitTabletResult.Status.ARRAY_CHANGED, skipped);
        }
        String unreserved = unreservedStripe(state, node, blobs);
        if (unreserved != null) {
            return splitResult(SplitTabletResult.Status.STRIPE_NOT_RESERVED, unreserved);
        }

        Tablet left = new Tablet(tablet.id(), tablet.version() + 1, tablet.first(), position - 1, stored(blobs.get(0)));
        Tablet right = new Tablet(state.nextTabletId++, 1, position, tablet.last(), stored(blobs.get(1)));
        replaceStripes(state, node, List.of(tablet), left.blob());
        state.stripes.consume(node, right.blob().getStripesList());
        state.ring.put(left);
        state.ring.put(right);
        return Result.newBuilder()
                .setSplitTablet(SplitTabletResult.newBuilder()
                        .setStatus(SplitTabletResult.Status.OK)
                        .setLeft(left.toHeader())
                        .setRight(right.toHeader()))
                .build();
    }

    static Result merge(TabletState state, MergeTablets command) {
        String node = command.getCacheNodeId();
        List<TabletBlob> blobs = List.of(command.getMergedBlob());
        if (!InputRules.isNodeId(node)) {
            return mergeResult(MergeTabletsResult.Status.INVALID, "cache node id must be 64 lowercase hex characters");
        }
        if (command.getLeftTabletId() == command.getRightTabletId()) {
            return mergeResult(MergeTabletsResult.Status.INVALID, "a tablet cannot merge with itself");
        }
        String shape = blobsProblem(state, blobs);
        if (shape != null) {
            return mergeResult(MergeTabletsResult.Status.INVALID, shape);
        }
        if (!state.cacheNodes.contains(node)) {
            return mergeResult(MergeTabletsResult.Status.UNKNOWN_CACHE_NODE, node);
        }
        Tablet left = state.ring.get(command.getLeftTabletId());
        Tablet right = state.ring.get(command.getRightTabletId());
        if (left == null || right == null) {
            long missing = left == null ? command.getLeftTabletId() : command.getRightTabletId();
            return mergeResult(MergeTabletsResult.Status.UNKNOWN_TABLET, "tablet " + Long.toUnsignedString(missing));
        }
        if (left.version() != command.getLeftExpectedVersion()
                || right.version() != command.getRightExpectedVersion()) {
            return mergeResult(
                    MergeTabletsResult.Status.VERSION_CONFLICT,
                    "tablets " + left.id() + " and " + right.id() + " are at versions " + left.version() + " and "
                            + right.version());
        }
        if (left.last() == -1L || left.last() + 1 != right.first()) {
            return mergeResult(
                    MergeTabletsResult.Status.NOT_ADJACENT,
                    "tablet " + right.id() + " does not start right after tablet " + left.id());
        }
        String epoch = unknownEpoch(state, blobs);
        if (epoch != null) {
            return mergeResult(MergeTabletsResult.Status.UNKNOWN_KEY_EPOCH, epoch);
        }
        String skipped = skippedWritableSlot(state, blobs);
        if (skipped != null) {
            return mergeResult(MergeTabletsResult.Status.ARRAY_CHANGED, skipped);
        }
        String unreserved = unreservedStripe(state, node, blobs);
        if (unreserved != null) {
            return mergeResult(MergeTabletsResult.Status.STRIPE_NOT_RESERVED, unreserved);
        }

        Tablet merged =
                new Tablet(left.id(), left.version() + 1, left.first(), right.last(), stored(command.getMergedBlob()));
        replaceStripes(state, node, List.of(left, right), merged.blob());
        state.ring.remove(right.id());
        state.ring.put(merged);
        return Result.newBuilder()
                .setMergeTablets(MergeTabletsResult.newBuilder()
                        .setStatus(MergeTabletsResult.Status.OK)
                        .setMerged(merged.toHeader()))
                .build();
    }

    /**
     * Returns why some blob was not written to the server of every slot the store has LIVE or
     * REBUILDING, or null.
     *
     * <p>A rebuild copies the stripes live when its slot became REBUILDING; every version committed
     * later must already hold its shard on the new server, or the slot would turn LIVE without it
     * (and a later loss of m other servers would make it unreadable). A writer whose array had not
     * yet adopted the new server skipped that slot, so its commit is refused ARRAY_CHANGED; it
     * follows the array view and writes again. The same holds once the slot is LIVE: a writer
     * that still has not adopted the rebuilt server would otherwise leave it a hole no rebuild
     * covers. A slot DEAD in the store is never required, and a slot can only be DEAD in a
     * writer's array after it is DEAD in the store (deaths are decided here), so a writer that has
     * followed the view can always meet this rule.
     */
    private static String skippedWritableSlot(TabletState state, List<TabletBlob> blobs) {
        for (Slot slot : state.array.slots()) {
            if (slot.getState() == SlotState.SLOT_DEAD) {
                continue;
            }
            for (TabletBlob blob : blobs) {
                if (blob.getStripesCount() == 0) {
                    continue;
                }
                boolean reached = blob.getWrittenSlotNodeIdsCount() > slot.getSlotIndex()
                        && blob.getWrittenSlotNodeIds(slot.getSlotIndex()).equals(slot.getNodeId());
                if (!reached) {
                    return "slot " + slot.getSlotIndex() + " is " + slot.getState() + " on " + slot.getNodeId()
                            + ", and a blob was not written to it";
                }
            }
        }
        return null;
    }

    /** Returns {@code blob} as the store keeps it: without what only the command needed. */
    private static TabletBlob stored(TabletBlob blob) {
        return blob.getWrittenSlotNodeIdsCount() == 0
                ? blob
                : blob.toBuilder().clearWrittenSlotNodeIds().build();
    }

    /** Retires the old tablets' stripes and takes the new blob's stripes out of the node's reservation. */
    private static void replaceStripes(TabletState state, String node, List<Tablet> old, TabletBlob blob) {
        for (Tablet tablet : old) {
            for (TabletBlob retired : tablet.blobs()) {
                state.stripes.retire(retired.getStripesList());
            }
        }
        state.stripes.consume(node, blob.getStripesList());
    }

    private static long stripeTotal(List<TabletBlob> blobs) {
        long total = 0;
        for (TabletBlob blob : blobs) {
            total += blob.getStripesCount();
        }
        return total;
    }

    /** Returns why some blob is malformed or two blobs share a stripe, or null. */
    private static String blobsProblem(TabletState state, List<TabletBlob> blobs) {
        Set<Long> stripes = new HashSet<>();
        for (TabletBlob blob : blobs) {
            String problem = Tablet.blobProblem(blob, state.array.dataShards(), state.array.parityShards());
            if (problem != null) {
                return problem;
            }
            for (long stripe : blob.getStripesList()) {
                if (!stripes.add(stripe)) {
                    return "stripe " + Long.toUnsignedString(stripe) + " appears in two blobs";
                }
            }
        }
        return null;
    }

    private static String unknownEpoch(TabletState state, List<TabletBlob> blobs) {
        for (TabletBlob blob : blobs) {
            if (blob.getStripesCount() > 0 && !state.keys.has(blob.getKeyEpoch())) {
                return "key epoch " + Long.toUnsignedString(blob.getKeyEpoch()) + " is not held";
            }
        }
        return null;
    }

    private static String unreservedStripe(TabletState state, String node, List<TabletBlob> blobs) {
        for (TabletBlob blob : blobs) {
            for (long stripe : blob.getStripesList()) {
                if (!state.stripes.isReservedBy(node, stripe)) {
                    return "stripe " + Long.toUnsignedString(stripe) + " is not reserved by this cache node";
                }
            }
        }
        return null;
    }

    private static Result commitResult(CommitTabletsResult.Status status, String detail) {
        return Result.newBuilder()
                .setCommitTablets(
                        CommitTabletsResult.newBuilder().setStatus(status).setDetail(detail))
                .build();
    }

    private static Result splitResult(SplitTabletResult.Status status, String detail) {
        return Result.newBuilder()
                .setSplitTablet(SplitTabletResult.newBuilder().setStatus(status).setDetail(detail))
                .build();
    }

    private static Result mergeResult(MergeTabletsResult.Status status, String detail) {
        return Result.newBuilder()
                .setMergeTablets(
                        MergeTabletsResult.newBuilder().setStatus(status).setDetail(detail))
                .build();
    }
}
