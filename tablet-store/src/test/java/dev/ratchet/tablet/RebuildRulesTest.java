package dev.ratchet.tablet;

import static dev.ratchet.tablet.Fixtures.K;
import static dev.ratchet.tablet.Fixtures.M;
import static dev.ratchet.tablet.Fixtures.blob;
import static dev.ratchet.tablet.Fixtures.nodeId;
import static dev.ratchet.tablet.Fixtures.sectorId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.tablet.proto.AbandonRebuild;
import dev.ratchet.tablet.proto.AbandonRebuildResult;
import dev.ratchet.tablet.proto.ArrayQuery;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.AssignReplacement;
import dev.ratchet.tablet.proto.AssignReplacementResult;
import dev.ratchet.tablet.proto.ClaimTrim;
import dev.ratchet.tablet.proto.ClaimTrimResult;
import dev.ratchet.tablet.proto.CommitTablets;
import dev.ratchet.tablet.proto.CommitTabletsResult;
import dev.ratchet.tablet.proto.DeregisterCacheNode;
import dev.ratchet.tablet.proto.MarkSlotDead;
import dev.ratchet.tablet.proto.MarkSlotDeadResult;
import dev.ratchet.tablet.proto.MarkSlotRebuilt;
import dev.ratchet.tablet.proto.MarkSlotRebuiltResult;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.RecordRebuildProgress;
import dev.ratchet.tablet.proto.RecordRebuildProgressResult;
import dev.ratchet.tablet.proto.ReleaseStripes;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.SlotAssignment;
import dev.ratchet.tablet.proto.SlotState;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletCommit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store's side of a rebuild (issue 13, item 4): while a slot is REBUILDING every committed blob
 * must have reached its new server, trims wait, only the rebuilder finishes it, and a removed
 * rebuilder's rebuild is abandoned.
 */
class RebuildRulesTest {
    private static final String CACHE_A = nodeId("cache-a");
    private static final String CACHE_B = nodeId("cache-b");
    private static final String FRESH = nodeId("sector-1-replacement");

    private final Fixtures fixtures = new Fixtures();
    private final TabletStateMachine machine = fixtures.bootstrapped(2, 64);

    @BeforeEach
    void slotOneIsRebuildingByCacheA() {
        fixtures.register(machine, CACHE_B);
        assertEquals(MarkSlotDeadResult.Status.OK, markDead(1, sectorId(1), 1));
        assertEquals(AssignReplacementResult.Status.OK, assign(1, FRESH, CACHE_A));
        assertEquals(SlotState.SLOT_REBUILDING, array().getSlots(1).getState());
        assertEquals(CACHE_A, array().getSlots(1).getRebuilderCacheNodeId());
    }

    @Test
    void aBlobThatSkippedTheNewServer_isRefusedArrayChanged_andOneThatReachedItCommits() {
        List<Long> stripes = fixtures.reserve(machine, CACHE_B, 2);
        List<String> skipped = written();
        skipped.set(1, "");
        assertEquals(CommitTabletsResult.Status.ARRAY_CHANGED, commit(CACHE_B, 1, 0, stripes, skipped));
        assertEquals(
                CommitTabletsResult.Status.ARRAY_CHANGED, commit(CACHE_B, 1, 0, stripes, List.of()), "no ids at all");
        List<String> oldServer = written();
        oldServer.set(1, sectorId(1));
        assertEquals(CommitTabletsResult.Status.ARRAY_CHANGED, commit(CACHE_B, 1, 0, stripes, oldServer));

        assertEquals(CommitTabletsResult.Status.OK, commit(CACHE_B, 1, 0, stripes, written()));
        // The store keeps the blob without what only the command needed.
        TabletBlob stored = machine
                .query(Query.newBuilder()
                        .setRing(dev.ratchet.tablet.proto.RingQuery.getDefaultInstance())
                        .build())
                .getRing()
                .getTabletsList()
                .stream()
                .filter(t -> t.getTabletId() == 1)
                .findFirst()
                .orElseThrow()
                .getBlob();
        assertEquals(0, stored.getWrittenSlotNodeIdsCount());
        machine.checkInvariants();
    }

    @Test
    void onceTheSlotIsLive_aBlobThatSkippedTheRebuiltServer_isStillRefused() {
        assertEquals(MarkSlotRebuiltResult.Status.OK, rebuilt(1, FRESH, CACHE_A));
        List<Long> stripes = fixtures.reserve(machine, CACHE_B, 1);
        List<String> skipped = written();
        skipped.set(1, "");
        assertEquals(CommitTabletsResult.Status.ARRAY_CHANGED, commit(CACHE_B, 1, 0, stripes, skipped));
        assertEquals(CommitTabletsResult.Status.OK, commit(CACHE_B, 1, 0, stripes, written()));
    }

    @Test
    void onlyTheRebuilderAbandonsTheRebuild_theSlotIsDeadAgain_andTrimsResume() {
        long before = array().getDeathRecordVersion();
        assertEquals(
                AbandonRebuildResult.Status.NOT_REBUILDING,
                abandon(1, FRESH, CACHE_B).getStatus());
        assertEquals(
                AbandonRebuildResult.Status.INVALID,
                abandon(1, "not-an-id", CACHE_A).getStatus());
        assertEquals(
                AbandonRebuildResult.Status.UNKNOWN_SLOT,
                abandon(99, FRESH, CACHE_A).getStatus());
        AbandonRebuildResult done = abandon(1, FRESH, CACHE_A);
        assertEquals(AbandonRebuildResult.Status.OK, done.getStatus());
        assertEquals(before + 1, done.getDeathRecordVersion());
        assertEquals(SlotState.SLOT_DEAD, array().getSlots(1).getState());
        assertEquals(AssignReplacementResult.Status.NODE_ID_NOT_USABLE, assign(1, FRESH, CACHE_A), "half-written");
        assertEquals(ClaimTrimResult.Status.OK, claim(CACHE_B).getStatus());
        assertEquals(
                AbandonRebuildResult.Status.NOT_REBUILDING,
                abandon(1, FRESH, CACHE_A).getStatus());
    }

    @Test
    void anAbandonedRebuild_dropsTheSuspicionsOfItsServer() {
        // Cache B suspects the half-written server; the abandonment makes that suspicion moot.
        assertEquals(
                MarkSlotDeadResult.Status.SUSPECTED,
                machine.apply(deadBy(1, FRESH, array().getDeathRecordVersion() + 1, CACHE_B))
                        .getMarkSlotDead()
                        .getStatus());
        assertEquals(1, array().getDeathSuspicionsCount());
        assertEquals(AbandonRebuildResult.Status.OK, abandon(1, FRESH, CACHE_A).getStatus());
        assertEquals(0, array().getDeathSuspicionsCount());
        machine.checkInvariants();
    }

    @Test
    void aRemovedRebuilder_dropsTheSuspicionsOfItsServerToo() {
        machine.apply(deadBy(1, FRESH, array().getDeathRecordVersion() + 1, CACHE_B));
        machine.apply(fixtures.command()
                .setDeregisterCacheNode(DeregisterCacheNode.newBuilder().setNodeId(CACHE_A))
                .build());
        assertEquals(0, array().getDeathSuspicionsCount());
        machine.checkInvariants();
    }

    @Test
    void aDeadSlot_isNeverRequired() {
        List<Long> stripes = fixtures.reserve(machine, CACHE_B, 1);
        assertEquals(MarkSlotDeadResult.Status.OK, markDead(1, FRESH, 2));
        List<String> skipped = written();
        skipped.set(1, "");
        assertEquals(CommitTabletsResult.Status.OK, commit(CACHE_B, 1, 0, stripes, skipped));
    }

    @Test
    void aBlobNamingTheWrongNumberOfSlots_isInvalid() {
        List<Long> stripes = fixtures.reserve(machine, CACHE_B, 1);
        assertEquals(
                CommitTabletsResult.Status.INVALID,
                commit(CACHE_B, 1, 0, stripes, written().subList(0, 3)));
    }

    @Test
    void trimsWait_whileASlotIsRebuilding_andResumeWhenItIsLive() {
        List<Long> stripes = fixtures.reserve(machine, CACHE_B, 3);
        machine.apply(fixtures.command()
                .setReleaseStripes(
                        ReleaseStripes.newBuilder().setCacheNodeId(CACHE_B).addAllStripes(stripes))
                .build());
        assertEquals(ClaimTrimResult.Status.REBUILD_RUNNING, claim(CACHE_B).getStatus());
        assertTrue(claim(CACHE_B).getStripesList().isEmpty());

        assertEquals(MarkSlotRebuiltResult.Status.OK, rebuilt(1, FRESH, CACHE_A));
        ClaimTrimResult after = claim(CACHE_B);
        assertEquals(ClaimTrimResult.Status.OK, after.getStatus());
        assertEquals(stripes, after.getStripesList());
    }

    @Test
    void onlyTheRebuilderFinishesTheRebuild() {
        assertEquals(MarkSlotRebuiltResult.Status.REBUILDER_MISMATCH, rebuilt(1, FRESH, CACHE_B));
        assertEquals(SlotState.SLOT_REBUILDING, array().getSlots(1).getState());
        assertEquals(MarkSlotRebuiltResult.Status.OK, rebuilt(1, FRESH, CACHE_A));
        assertEquals(SlotState.SLOT_LIVE, array().getSlots(1).getState());
    }

    @Test
    void aRebuilderThatIsNotRegistered_cannotStartOne() {
        assertEquals(MarkSlotDeadResult.Status.OK, markDead(2, sectorId(2), 2));
        assertEquals(
                AssignReplacementResult.Status.UNKNOWN_CACHE_NODE, assign(2, nodeId("other-fresh"), nodeId("nobody")));
        assertEquals(SlotState.SLOT_DEAD, array().getSlots(2).getState());
    }

    @Test
    void progress_isRecordedInTheSlot_forEveryonesStatus() {
        assertEquals(RecordRebuildProgressResult.Status.OK, progress(1, FRESH, CACHE_A, 7, 40));
        assertEquals(7, array().getSlots(1).getRebuildStripesDone());
        assertEquals(40, array().getSlots(1).getRebuildStripesTotal());
        assertEquals(RecordRebuildProgressResult.Status.NOT_REBUILDING, progress(1, FRESH, CACHE_B, 8, 40));
        assertEquals(RecordRebuildProgressResult.Status.NOT_REBUILDING, progress(0, sectorId(0), CACHE_A, 1, 2));
        assertEquals(RecordRebuildProgressResult.Status.INVALID, progress(1, FRESH, CACHE_A, 41, 40));
        assertEquals(RecordRebuildProgressResult.Status.UNKNOWN_SLOT, progress(99, FRESH, CACHE_A, 1, 2));
    }

    @Test
    void aRemovedRebuilder_abandonsItsRebuild_theSlotIsDeadAndTheHalfWrittenServerUnusable() {
        long versionBefore = array().getDeathRecordVersion();
        machine.apply(fixtures.command()
                .setDeregisterCacheNode(DeregisterCacheNode.newBuilder().setNodeId(CACHE_A))
                .build());

        ArrayView view = array();
        assertEquals(SlotState.SLOT_DEAD, view.getSlots(1).getState());
        assertEquals("", view.getSlots(1).getRebuilderCacheNodeId());
        assertEquals(versionBefore + 1, view.getDeathRecordVersion());
        assertEquals(AssignReplacementResult.Status.NODE_ID_NOT_USABLE, assign(1, FRESH, CACHE_B));
        assertEquals(AssignReplacementResult.Status.OK, assign(1, nodeId("another-fresh"), CACHE_B));
        // And trims are no longer held by a rebuild nobody runs.
        assertEquals(MarkSlotRebuiltResult.Status.OK, rebuilt(1, nodeId("another-fresh"), CACHE_B));
        assertEquals(ClaimTrimResult.Status.OK, claim(CACHE_B).getStatus());
        machine.checkInvariants();
    }

    /** Every slot's current server, as a writer whose array is in line with the store names them. */
    private List<String> written() {
        List<String> ids = new ArrayList<>(Collections.nCopies(K + M, ""));
        for (dev.ratchet.tablet.proto.Slot slot : array().getSlotsList()) {
            ids.set(slot.getSlotIndex(), slot.getState() == SlotState.SLOT_DEAD ? "" : slot.getNodeId());
        }
        return ids;
    }

    private CommitTabletsResult.Status commit(
            String node, long tablet, long expectedVersion, List<Long> stripes, List<String> writtenTo) {
        TabletBlob blob = blob(stripes, 1).toBuilder()
                .clearWrittenSlotNodeIds()
                .addAllWrittenSlotNodeIds(writtenTo)
                .build();
        Result result = machine.apply(fixtures.command()
                .setCommitTablets(CommitTablets.newBuilder()
                        .setCacheNodeId(node)
                        .addCommits(TabletCommit.newBuilder()
                                .setTabletId(tablet)
                                .setExpectedVersion(expectedVersion)
                                .setBlob(blob)))
                .build());
        return result.getCommitTablets().getStatus();
    }

    private ClaimTrimResult claim(String node) {
        return machine.apply(fixtures.command()
                        .setClaimTrim(
                                ClaimTrim.newBuilder().setCacheNodeId(node).setStripeCount(10))
                        .build())
                .getClaimTrim();
    }

    private MarkSlotDeadResult.Status markDead(int slot, String node, long version) {
        // Two reporters: an UNREACHABLE death is final once corroborated.
        machine.apply(deadBy(slot, node, version, CACHE_A));
        return machine.apply(deadBy(slot, node, version, CACHE_B))
                .getMarkSlotDead()
                .getStatus();
    }

    private dev.ratchet.tablet.proto.Command deadBy(int slot, String node, long version, String reporter) {
        return fixtures.command()
                .setMarkSlotDead(MarkSlotDead.newBuilder()
                        .setSlotIndex(slot)
                        .setExpectedNodeId(node)
                        .setDeathRecordVersion(version)
                        .setReporterCacheNodeId(reporter)
                        .setCause(MarkSlotDead.Cause.UNREACHABLE))
                .build();
    }

    private AssignReplacementResult.Status assign(int slot, String node, String rebuilder) {
        return machine.apply(fixtures.command()
                        .setAssignReplacement(AssignReplacement.newBuilder()
                                .setSlotIndex(slot)
                                .setReplacement(SlotAssignment.newBuilder()
                                        .setNodeId(node)
                                        .setAddress("new:7000"))
                                .setRebuilderCacheNodeId(rebuilder))
                        .build())
                .getAssignReplacement()
                .getStatus();
    }

    private MarkSlotRebuiltResult.Status rebuilt(int slot, String node, String rebuilder) {
        return machine.apply(fixtures.command()
                        .setMarkSlotRebuilt(MarkSlotRebuilt.newBuilder()
                                .setSlotIndex(slot)
                                .setExpectedNodeId(node)
                                .setRebuilderCacheNodeId(rebuilder))
                        .build())
                .getMarkSlotRebuilt()
                .getStatus();
    }

    private AbandonRebuildResult abandon(int slot, String node, String rebuilder) {
        return machine.apply(fixtures.command()
                        .setAbandonRebuild(AbandonRebuild.newBuilder()
                                .setSlotIndex(slot)
                                .setExpectedNodeId(node)
                                .setRebuilderCacheNodeId(rebuilder))
                        .build())
                .getAbandonRebuild();
    }

    private RecordRebuildProgressResult.Status progress(
            int slot, String node, String rebuilder, long done, long total) {
        return machine.apply(fixtures.command()
                        .setRecordRebuildProgress(RecordRebuildProgress.newBuilder()
                                .setSlotIndex(slot)
                                .setExpectedNodeId(node)
                                .setRebuilderCacheNodeId(rebuilder)
                                .setStripesDone(done)
                                .setStripesTotal(total))
                        .build())
                .getRecordRebuildProgress()
                .getStatus();
    }

    private ArrayView array() {
        return machine.query(Query.newBuilder()
                        .setArray(ArrayQuery.getDefaultInstance())
                        .build())
                .getArray();
    }
}
