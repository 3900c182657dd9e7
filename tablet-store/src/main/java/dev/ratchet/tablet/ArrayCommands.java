package dev.ratchet.tablet;

import dev.ratchet.tablet.proto.AbandonRebuild;
import dev.ratchet.tablet.proto.AbandonRebuildResult;
import dev.ratchet.tablet.proto.AssignReplacement;
import dev.ratchet.tablet.proto.AssignReplacementResult;
import dev.ratchet.tablet.proto.ClaimTrim;
import dev.ratchet.tablet.proto.ClaimTrimResult;
import dev.ratchet.tablet.proto.ConfirmTrimmed;
import dev.ratchet.tablet.proto.ConfirmTrimmedResult;
import dev.ratchet.tablet.proto.MarkSlotDead;
import dev.ratchet.tablet.proto.MarkSlotDeadResult;
import dev.ratchet.tablet.proto.MarkSlotRebuilt;
import dev.ratchet.tablet.proto.MarkSlotRebuiltResult;
import dev.ratchet.tablet.proto.RecordRebuildProgress;
import dev.ratchet.tablet.proto.RecordRebuildProgressResult;
import dev.ratchet.tablet.proto.ReleaseStripes;
import dev.ratchet.tablet.proto.ReleaseStripesResult;
import dev.ratchet.tablet.proto.ReserveStripes;
import dev.ratchet.tablet.proto.ReserveStripesResult;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.Slot;
import dev.ratchet.tablet.proto.SlotState;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The commands on the sector array: stripe reservation, release, trim claims and confirmation, and the
 * slot lifecycle LIVE -> DEAD -> REBUILDING -> LIVE. Each checks everything before it changes
 * anything.
 */
final class ArrayCommands {
    private ArrayCommands() {}

    static Result reserve(TabletState state, ReserveStripes command) {
        String node = command.getCacheNodeId();
        long count = Integer.toUnsignedLong(command.getStripeCount());
        if (!InputRules.isNodeId(node) || count == 0 || count > Limits.STRIPES_PER_RESERVE_MAX) {
            return reserveResult(
                    ReserveStripesResult.Status.INVALID,
                    "needs a cache node id and a stripe count in [1, " + Limits.STRIPES_PER_RESERVE_MAX + "]");
        }
        if (!state.cacheNodes.contains(node)) {
            return reserveResult(ReserveStripesResult.Status.UNKNOWN_CACHE_NODE, node);
        }
        if (state.stripes.reservedBy(node) + count > Limits.RESERVED_STRIPES_PER_NODE_MAX) {
            return reserveResult(
                    ReserveStripesResult.Status.RESERVATION_LIMIT,
                    "node holds " + state.stripes.reservedBy(node) + " reserved stripes; the most is "
                            + Limits.RESERVED_STRIPES_PER_NODE_MAX);
        }
        if (count > state.stripes.freeCount()) {
            return reserveResult(
                    ReserveStripesResult.Status.NOT_ENOUGH_FREE_STRIPES, state.stripes.freeCount() + " stripes free");
        }
        List<Long> stripes = state.stripes.reserve(node, (int) count);
        return Result.newBuilder()
                .setReserveStripes(ReserveStripesResult.newBuilder()
                        .setStatus(ReserveStripesResult.Status.OK)
                        .addAllStripes(stripes))
                .build();
    }

    static Result release(TabletState state, ReleaseStripes command) {
        String node = command.getCacheNodeId();
        String shape = stripeListProblem(node, command.getStripesList());
        if (shape != null) {
            return releaseResult(ReleaseStripesResult.Status.INVALID, shape);
        }
        if (!state.cacheNodes.contains(node)) {
            return releaseResult(ReleaseStripesResult.Status.UNKNOWN_CACHE_NODE, node);
        }
        for (long stripe : command.getStripesList()) {
            if (!state.stripes.isReservedBy(node, stripe)) {
                return releaseResult(
                        ReleaseStripesResult.Status.NOT_RESERVED,
                        "stripe " + Long.toUnsignedString(stripe) + " is not reserved by this cache node");
            }
        }
        state.stripes.release(node, command.getStripesList());
        return releaseResult(ReleaseStripesResult.Status.OK, "");
    }

    /**
     * Claims pending-trim stripes for a cache node to zero; see {@link StripeAllocator} for why a
     * stripe is trimmed and freed only under its claimant's claim.
     */
    static Result claimTrim(TabletState state, ClaimTrim command) {
        String node = command.getCacheNodeId();
        long count = Integer.toUnsignedLong(command.getStripeCount());
        if (!InputRules.isNodeId(node) || count == 0 || count > Limits.STRIPES_PER_COMMAND_MAX) {
            return claimResult(
                    ClaimTrimResult.Status.INVALID,
                    "needs a cache node id and a stripe count in [1, " + Limits.STRIPES_PER_COMMAND_MAX + "]",
                    List.of());
        }
        if (!state.cacheNodes.contains(node)) {
            return claimResult(ClaimTrimResult.Status.UNKNOWN_CACHE_NODE, node, List.of());
        }
        for (Slot slot : state.array.slots()) {
            if (slot.getState() == SlotState.SLOT_REBUILDING) {
                // The rebuild copies its snapshot's stripes; a stripe superseded meanwhile must not
                // be zeroed and reused under it (ARCHITECTURE.md, "Rebuilds").
                return claimResult(
                        ClaimTrimResult.Status.REBUILD_RUNNING,
                        "slot " + slot.getSlotIndex() + " is REBUILDING; trims wait until it is LIVE or DEAD",
                        List.of());
            }
        }
        return claimResult(ClaimTrimResult.Status.OK, "", state.stripes.claimTrim(node, (int) count));
    }

    static Result confirmTrimmed(TabletState state, ConfirmTrimmed command) {
        String node = command.getCacheNodeId();
        String shape = stripeListProblem(node, command.getStripesList());
        if (shape != null) {
            return trimResult(ConfirmTrimmedResult.Status.INVALID, shape);
        }
        if (!state.cacheNodes.contains(node)) {
            return trimResult(ConfirmTrimmedResult.Status.UNKNOWN_CACHE_NODE, node);
        }
        for (long stripe : command.getStripesList()) {
            if (!state.stripes.isPendingTrim(stripe)) {
                return trimResult(
                        ConfirmTrimmedResult.Status.NOT_PENDING_TRIM,
                        "stripe " + Long.toUnsignedString(stripe) + " is not pending trim");
            }
            // Only the claimant's zeroing is known to be over: another node's confirmation could
            // free a stripe whose claimant has yet to zero it.
            if (!state.stripes.isClaimedBy(node, stripe)) {
                return trimResult(
                        ConfirmTrimmedResult.Status.NOT_CLAIMED,
                        "stripe " + Long.toUnsignedString(stripe) + " is not claimed by this cache node");
            }
        }
        state.stripes.confirmTrimmed(node, command.getStripesList());
        return trimResult(ConfirmTrimmedResult.Status.OK, "");
    }

    /**
     * Records a cache node's report that a slot's server stopped answering or lied, and makes it a
     * death only when it is safe and, for an unreachable server, corroborated (see {@link
     * DeathSuspicions} for the threat).
     *
     * <p>The order of the checks matters: the cap comes before corroboration, so even a
     * unanimous report cannot leave fewer than k LIVE slots. Past that point no stripe can be
     * read or rebuilt, so killing a further slot gains nothing and loses the chance that the
     * server comes back: it stays in its slot and reads keep decoding around it.
     */
    static Result markDead(TabletState state, MarkSlotDead command) {
        SectorArray array = state.array;
        long version = array.deathRecordVersion();
        if (!InputRules.isNodeId(command.getExpectedNodeId())
                || !InputRules.isNodeId(command.getReporterCacheNodeId())) {
            return deadResult(
                    state,
                    MarkSlotDeadResult.Status.INVALID,
                    "the server and reporter ids must be 64 lowercase hex characters");
        }
        if (command.getCause() == MarkSlotDead.Cause.UNRECOGNIZED) {
            return deadResult(state, MarkSlotDeadResult.Status.INVALID, "unknown cause " + command.getCauseValue());
        }
        if (Integer.toUnsignedLong(command.getSlotIndex()) >= array.slotCount()) {
            return deadResult(
                    state,
                    MarkSlotDeadResult.Status.UNKNOWN_SLOT,
                    "slot " + Integer.toUnsignedString(command.getSlotIndex()));
        }
        String reporter = command.getReporterCacheNodeId();
        if (!state.cacheNodes.contains(reporter)) {
            return deadResult(state, MarkSlotDeadResult.Status.UNKNOWN_CACHE_NODE, reporter);
        }
        Slot slot = array.slot(command.getSlotIndex());
        if (!slot.getNodeId().equals(command.getExpectedNodeId())) {
            return deadResult(
                    state,
                    MarkSlotDeadResult.Status.NODE_MISMATCH,
                    "slot " + slot.getSlotIndex() + " holds " + slot.getNodeId());
        }
        if (slot.getState() == SlotState.SLOT_DEAD) {
            return deadResult(state, MarkSlotDeadResult.Status.ALREADY_DEAD, "slot " + slot.getSlotIndex());
        }
        if (Long.compareUnsigned(command.getDeathRecordVersion(), version) <= 0) {
            return deadResult(
                    state,
                    MarkSlotDeadResult.Status.STALE_DEATH_VERSION,
                    "death-record version " + Long.toUnsignedString(command.getDeathRecordVersion()) + " is not above "
                            + Long.toUnsignedString(version));
        }
        int liveAfter = array.liveCount() - (slot.getState() == SlotState.SLOT_LIVE ? 1 : 0);
        if (liveAfter < array.dataShards()) {
            return deadResult(
                    state,
                    MarkSlotDeadResult.Status.TOO_MANY_DEAD,
                    "killing slot " + slot.getSlotIndex() + " would leave " + liveAfter + " LIVE slots, fewer than k="
                            + array.dataShards() + "; it stays and reads decode around it");
        }
        if (command.getCause() == MarkSlotDead.Cause.LIED) {
            // A lie is evidence the reporter holds about the server, not about its own links (the
            // channel is attested TLS, so a host in between can only cut it, which is
            // UNREACHABLE): one reporter is enough, and waiting for a second, which may never
            // read those stripes, would leave the liar in place.
            array.markDead(slot.getSlotIndex(), command.getDeathRecordVersion());
            state.deathSuspicions.clearSlot(slot.getSlotIndex());
            return deadResult(state, MarkSlotDeadResult.Status.OK, "", 1, 1);
        }
        state.deathSuspicions.report(
                slot.getSlotIndex(), slot.getNodeId(), reporter, state.cacheNodes.heartbeats(reporter));
        int reporters = state.deathSuspicions.freshReporters(slot.getSlotIndex(), slot.getNodeId(), state.cacheNodes);
        int needed = DeathSuspicions.reportersNeeded(state.cacheNodes.size());
        if (reporters < needed) {
            return deadResult(
                    state,
                    MarkSlotDeadResult.Status.SUSPECTED,
                    reporters + " of " + needed + " cache nodes report slot " + slot.getSlotIndex() + " unreachable",
                    reporters,
                    needed);
        }
        array.markDead(slot.getSlotIndex(), command.getDeathRecordVersion());
        state.deathSuspicions.clearSlot(slot.getSlotIndex());
        return deadResult(state, MarkSlotDeadResult.Status.OK, "", reporters, needed);
    }

    static Result assignReplacement(TabletState state, AssignReplacement command) {
        SectorArray array = state.array;
        String problem = ClusterCommands.assignmentProblem(command.getReplacement());
        if (problem != null) {
            return assignResult(AssignReplacementResult.Status.INVALID, problem);
        }
        if (Integer.toUnsignedLong(command.getSlotIndex()) >= array.slotCount()) {
            return assignResult(
                    AssignReplacementResult.Status.UNKNOWN_SLOT,
                    "slot " + Integer.toUnsignedString(command.getSlotIndex()));
        }
        Slot slot = array.slot(command.getSlotIndex());
        if (slot.getState() != SlotState.SLOT_DEAD) {
            return assignResult(
                    AssignReplacementResult.Status.SLOT_NOT_DEAD,
                    "slot " + slot.getSlotIndex() + " is " + slot.getState());
        }
        String nodeId = command.getReplacement().getNodeId();
        if (array.isUnusable(nodeId)) {
            return assignResult(
                    AssignReplacementResult.Status.NODE_ID_NOT_USABLE, nodeId + " is dead or already holds a slot");
        }
        String rebuilder = command.getRebuilderCacheNodeId();
        if (!state.cacheNodes.contains(rebuilder)) {
            return assignResult(
                    AssignReplacementResult.Status.UNKNOWN_CACHE_NODE,
                    "the rebuilder must be a registered cache node, not '" + rebuilder + "'");
        }
        array.setSlot(slot.getSlotIndex(), nodeId, command.getReplacement().getAddress(), SlotState.SLOT_REBUILDING);
        array.setRebuild(slot.getSlotIndex(), rebuilder, 0, 0);
        state.deathSuspicions.clearSlot(slot.getSlotIndex());
        return assignResult(AssignReplacementResult.Status.OK, "");
    }

    static Result markRebuilt(TabletState state, MarkSlotRebuilt command) {
        SectorArray array = state.array;
        if (!InputRules.isNodeId(command.getExpectedNodeId())) {
            return rebuiltResult(MarkSlotRebuiltResult.Status.INVALID, "node id must be 64 lowercase hex characters");
        }
        if (Integer.toUnsignedLong(command.getSlotIndex()) >= array.slotCount()) {
            return rebuiltResult(
                    MarkSlotRebuiltResult.Status.UNKNOWN_SLOT,
                    "slot " + Integer.toUnsignedString(command.getSlotIndex()));
        }
        Slot slot = array.slot(command.getSlotIndex());
        if (!slot.getNodeId().equals(command.getExpectedNodeId())) {
            return rebuiltResult(
                    MarkSlotRebuiltResult.Status.NODE_MISMATCH,
                    "slot " + slot.getSlotIndex() + " holds " + slot.getNodeId());
        }
        if (slot.getState() != SlotState.SLOT_REBUILDING) {
            return rebuiltResult(
                    MarkSlotRebuiltResult.Status.SLOT_NOT_REBUILDING,
                    "slot " + slot.getSlotIndex() + " is " + slot.getState());
        }
        if (!slot.getRebuilderCacheNodeId().equals(command.getRebuilderCacheNodeId())) {
            return rebuiltResult(
                    MarkSlotRebuiltResult.Status.REBUILDER_MISMATCH,
                    "slot " + slot.getSlotIndex() + " is rebuilt by " + slot.getRebuilderCacheNodeId());
        }
        array.setSlot(slot.getSlotIndex(), slot.getNodeId(), slot.getAddress(), SlotState.SLOT_LIVE);
        return rebuiltResult(MarkSlotRebuiltResult.Status.OK, "");
    }

    /** Returns why a node id and stripe list are malformed (bad id, empty, too long, duplicates), or null. */
    private static String stripeListProblem(String node, List<Long> stripes) {
        if (!InputRules.isNodeId(node)) {
            return "cache node id must be 64 lowercase hex characters";
        }
        if (stripes.isEmpty() || stripes.size() > Limits.STRIPES_PER_COMMAND_MAX) {
            return "needs 1.." + Limits.STRIPES_PER_COMMAND_MAX + " stripes";
        }
        Set<Long> seen = new HashSet<>();
        for (long stripe : stripes) {
            if (!seen.add(stripe)) {
                return "stripe " + Long.toUnsignedString(stripe) + " is listed twice";
            }
        }
        return null;
    }

    private static Result reserveResult(ReserveStripesResult.Status status, String detail) {
        return Result.newBuilder()
                .setReserveStripes(
                        ReserveStripesResult.newBuilder().setStatus(status).setDetail(detail))
                .build();
    }

    private static Result releaseResult(ReleaseStripesResult.Status status, String detail) {
        return Result.newBuilder()
                .setReleaseStripes(
                        ReleaseStripesResult.newBuilder().setStatus(status).setDetail(detail))
                .build();
    }

    private static Result trimResult(ConfirmTrimmedResult.Status status, String detail) {
        return Result.newBuilder()
                .setConfirmTrimmed(
                        ConfirmTrimmedResult.newBuilder().setStatus(status).setDetail(detail))
                .build();
    }

    private static Result claimResult(ClaimTrimResult.Status status, String detail, List<Long> stripes) {
        return Result.newBuilder()
                .setClaimTrim(ClaimTrimResult.newBuilder()
                        .setStatus(status)
                        .setDetail(detail)
                        .addAllStripes(stripes))
                .build();
    }

    private static Result deadResult(TabletState state, MarkSlotDeadResult.Status status, String detail) {
        return deadResult(state, status, detail, 0, 0);
    }

    private static Result deadResult(
            TabletState state, MarkSlotDeadResult.Status status, String detail, int reporters, int needed) {
        return Result.newBuilder()
                .setMarkSlotDead(MarkSlotDeadResult.newBuilder()
                        .setStatus(status)
                        .setDetail(detail)
                        .setDeathRecordVersion(state.array.deathRecordVersion())
                        .setDegradedSlotCount(state.array.degradedCount())
                        .setReporterCount(reporters)
                        .setReportersNeeded(needed))
                .build();
    }

    private static Result assignResult(AssignReplacementResult.Status status, String detail) {
        return Result.newBuilder()
                .setAssignReplacement(
                        AssignReplacementResult.newBuilder().setStatus(status).setDetail(detail))
                .build();
    }

    /** Records a rebuilder's progress in its slot, for every cache node's status. */
    static Result recordRebuildProgress(TabletState state, RecordRebuildProgress command) {
        if (Long.compareUnsigned(command.getStripesDone(), command.getStripesTotal()) > 0) {
            return progressResult(RecordRebuildProgressResult.Status.INVALID, "stripes_done is above stripes_total");
        }
        RebuildCheck check = checkRebuilder(
                state, command.getSlotIndex(), command.getExpectedNodeId(), command.getRebuilderCacheNodeId());
        return switch (check.refusal()) {
            case NONE -> {
                state.array.setRebuild(
                        command.getSlotIndex(),
                        command.getRebuilderCacheNodeId(),
                        command.getStripesDone(),
                        command.getStripesTotal());
                yield progressResult(RecordRebuildProgressResult.Status.OK, "");
            }
            case INVALID -> progressResult(RecordRebuildProgressResult.Status.INVALID, check.detail());
            case UNKNOWN_SLOT -> progressResult(RecordRebuildProgressResult.Status.UNKNOWN_SLOT, check.detail());
            case NOT_REBUILDING -> progressResult(RecordRebuildProgressResult.Status.NOT_REBUILDING, check.detail());
        };
    }

    /** Ends a failed rebuild at its rebuilder's word: the slot is DEAD again (see tablet.proto). */
    static Result abandonRebuild(TabletState state, AbandonRebuild command) {
        RebuildCheck check = checkRebuilder(
                state, command.getSlotIndex(), command.getExpectedNodeId(), command.getRebuilderCacheNodeId());
        return switch (check.refusal()) {
            case NONE -> abandonResult(AbandonRebuildResult.Status.OK, "", abandon(state, command.getSlotIndex()));
            case INVALID -> abandonResult(AbandonRebuildResult.Status.INVALID, check.detail(), 0);
            case UNKNOWN_SLOT -> abandonResult(AbandonRebuildResult.Status.UNKNOWN_SLOT, check.detail(), 0);
            case NOT_REBUILDING -> abandonResult(AbandonRebuildResult.Status.NOT_REBUILDING, check.detail(), 0);
        };
    }

    /** Why a command of a running rebuild is refused, if it is: the refusals both commands share. */
    private enum RebuildRefusal {
        NONE,
        INVALID,
        UNKNOWN_SLOT,
        NOT_REBUILDING
    }

    private record RebuildCheck(RebuildRefusal refusal, String detail) {}

    /** Checks that slot {@code index} is REBUILDING onto {@code nodeId} by {@code rebuilder}. */
    private static RebuildCheck checkRebuilder(TabletState state, int index, String nodeId, String rebuilder) {
        SectorArray array = state.array;
        if (!InputRules.isNodeId(nodeId) || !InputRules.isNodeId(rebuilder)) {
            return new RebuildCheck(RebuildRefusal.INVALID, "needs node ids of 64 lowercase hex characters");
        }
        if (Integer.toUnsignedLong(index) >= array.slotCount()) {
            return new RebuildCheck(RebuildRefusal.UNKNOWN_SLOT, "slot " + Integer.toUnsignedString(index));
        }
        Slot slot = array.slot(index);
        if (slot.getState() != SlotState.SLOT_REBUILDING
                || !slot.getNodeId().equals(nodeId)
                || !slot.getRebuilderCacheNodeId().equals(rebuilder)) {
            return new RebuildCheck(
                    RebuildRefusal.NOT_REBUILDING,
                    "slot " + slot.getSlotIndex() + " is " + slot.getState() + " with " + slot.getNodeId()
                            + (slot.getRebuilderCacheNodeId().isEmpty()
                                    ? ""
                                    : ", rebuilt by " + slot.getRebuilderCacheNodeId()));
        }
        return new RebuildCheck(RebuildRefusal.NONE, "");
    }

    /**
     * Makes REBUILDING slot {@code index} DEAD with the next death-record version (its server's
     * identity dead too) and drops the suspicions of that server, which are moot now; returns the
     * version.
     */
    private static long abandon(TabletState state, int index) {
        long version = state.array.deathRecordVersion() + 1;
        state.array.markDead(index, version);
        state.deathSuspicions.clearSlot(index);
        return version;
    }

    private static Result abandonResult(AbandonRebuildResult.Status status, String detail, long version) {
        return Result.newBuilder()
                .setAbandonRebuild(AbandonRebuildResult.newBuilder()
                        .setStatus(status)
                        .setDetail(detail)
                        .setDeathRecordVersion(version))
                .build();
    }

    /**
     * Abandons every rebuild {@code cacheNode} runs (it is being removed): the slot is DEAD again
     * and its half-written server's identity is dead, so a fresh server must be assigned. Without
     * this, a crashed rebuilder would leave its slot REBUILDING, and trims stopped, for ever.
     */
    static void abandonRebuildsOf(TabletState state, String cacheNode) {
        SectorArray array = state.array;
        for (Slot slot : List.copyOf(array.slots())) {
            if (slot.getState() == SlotState.SLOT_REBUILDING
                    && slot.getRebuilderCacheNodeId().equals(cacheNode)) {
                abandon(state, slot.getSlotIndex());
            }
        }
    }

    private static Result progressResult(RecordRebuildProgressResult.Status status, String detail) {
        return Result.newBuilder()
                .setRecordRebuildProgress(RecordRebuildProgressResult.newBuilder()
                        .setStatus(status)
                        .setDetail(detail))
                .build();
    }

    private static Result rebuiltResult(MarkSlotRebuiltResult.Status status, String detail) {
        return Result.newBuilder()
                .setMarkSlotRebuilt(
                        MarkSlotRebuiltResult.newBuilder().setStatus(status).setDetail(detail))
                .build();
    }
}
