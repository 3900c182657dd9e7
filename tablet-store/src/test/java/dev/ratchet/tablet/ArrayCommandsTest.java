package dev.ratchet.tablet;

import static dev.ratchet.tablet.Fixtures.nodeId;
import static dev.ratchet.tablet.Fixtures.sectorId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.tablet.proto.ArrayQuery;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.AssignReplacement;
import dev.ratchet.tablet.proto.AssignReplacementResult;
import dev.ratchet.tablet.proto.DeregisterCacheNode;
import dev.ratchet.tablet.proto.MarkSlotDead;
import dev.ratchet.tablet.proto.MarkSlotDeadResult;
import dev.ratchet.tablet.proto.MarkSlotRebuilt;
import dev.ratchet.tablet.proto.MarkSlotRebuiltResult;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.ReleaseStripes;
import dev.ratchet.tablet.proto.ReleaseStripesResult;
import dev.ratchet.tablet.proto.ReserveStripes;
import dev.ratchet.tablet.proto.ReserveStripesResult;
import dev.ratchet.tablet.proto.SlotAssignment;
import dev.ratchet.tablet.proto.SlotState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Stripe reservation and release, and the slot lifecycle, driven through {@code apply}. */
class ArrayCommandsTest {
    private static final String CACHE_A = nodeId("cache-a");
    private static final String CACHE_B = nodeId("cache-b");

    private final Fixtures fixtures = new Fixtures();
    private final TabletStateMachine machine = fixtures.bootstrapped(2, 20);

    @Test
    void reserve_handsOutLowestFreeStripesNeverTwice() {
        fixtures.register(machine, CACHE_B);
        List<Long> a = fixtures.reserve(machine, CACHE_A, 3);
        List<Long> b = fixtures.reserve(machine, CACHE_B, 3);
        assertEquals(List.of(0L, 1L, 2L), a);
        assertEquals(List.of(3L, 4L, 5L), b);
        Set<Long> all = new HashSet<>(a);
        all.addAll(b);
        assertEquals(6, all.size());
        assertEquals(14, array().getFreeStripeCount());
        machine.checkInvariants();
    }

    @Test
    void reserve_beyondFreeOrLimitsOrUnknownNode_isRefused() {
        assertEquals(ReserveStripesResult.Status.NOT_ENOUGH_FREE_STRIPES, reserveStatus(CACHE_A, 21));
        assertEquals(ReserveStripesResult.Status.INVALID, reserveStatus(CACHE_A, 0));
        assertEquals(ReserveStripesResult.Status.INVALID, reserveStatus(CACHE_A, Limits.STRIPES_PER_RESERVE_MAX + 1));
        assertEquals(ReserveStripesResult.Status.UNKNOWN_CACHE_NODE, reserveStatus(CACHE_B, 1));
        assertEquals(20, array().getFreeStripeCount());
    }

    @Test
    void reserve_perNodeLimit_isEnforced() {
        TabletStateMachine big = fixtures.bootstrapped(1, 100_000);
        for (int reserved = 0;
                reserved < Limits.RESERVED_STRIPES_PER_NODE_MAX;
                reserved += Limits.STRIPES_PER_RESERVE_MAX) {
            fixtures.reserve(big, CACHE_A, Limits.STRIPES_PER_RESERVE_MAX);
        }
        ReserveStripesResult result = big.apply(fixtures.command()
                        .setReserveStripes(ReserveStripes.newBuilder()
                                .setCacheNodeId(CACHE_A)
                                .setStripeCount(1))
                        .build())
                .getReserveStripes();
        assertEquals(ReserveStripesResult.Status.RESERVATION_LIMIT, result.getStatus());
        big.checkInvariants();
    }

    @Test
    void release_movesToPendingTrim_andRefusesStripesNotHeld() {
        fixtures.register(machine, CACHE_B);
        List<Long> a = fixtures.reserve(machine, CACHE_A, 2);
        List<Long> b = fixtures.reserve(machine, CACHE_B, 1);
        assertEquals(ReleaseStripesResult.Status.NOT_RESERVED, releaseStatus(CACHE_A, List.of(a.get(0), b.get(0))));
        assertEquals(ReleaseStripesResult.Status.INVALID, releaseStatus(CACHE_A, List.of(a.get(0), a.get(0))));
        assertEquals(ReleaseStripesResult.Status.INVALID, releaseStatus(CACHE_A, List.of()));
        assertEquals(ReleaseStripesResult.Status.OK, releaseStatus(CACHE_A, a));
        assertEquals(a, array().getPendingTrimStripesList());
        // Released twice: the second release finds nothing reserved.
        assertEquals(ReleaseStripesResult.Status.NOT_RESERVED, releaseStatus(CACHE_A, a));
        machine.checkInvariants();
    }

    @Test
    void deregister_sendsReservationsToPendingTrim() {
        List<Long> a = fixtures.reserve(machine, CACHE_A, 2);
        machine.apply(fixtures.command()
                .setDeregisterCacheNode(DeregisterCacheNode.newBuilder().setNodeId(CACHE_A))
                .build());
        assertEquals(a, array().getPendingTrimStripesList());
        assertTrue(array().getReservationsList().isEmpty());
        machine.checkInvariants();
    }

    @Test
    void slotLifecycle_deadThenReplacementThenLive() {
        assertEquals(MarkSlotDeadResult.Status.OK, dead(2, sectorId(2), 5).getStatus());
        assertEquals(SlotState.SLOT_DEAD, array().getSlots(2).getState());
        assertEquals(5, array().getDeathRecordVersion());

        String fresh = nodeId("sector-2-replacement");
        assertEquals(AssignReplacementResult.Status.OK, assign(2, fresh));
        assertEquals(SlotState.SLOT_REBUILDING, array().getSlots(2).getState());
        assertEquals(MarkSlotRebuiltResult.Status.NODE_MISMATCH, rebuilt(2, sectorId(2)));
        assertEquals(MarkSlotRebuiltResult.Status.OK, rebuilt(2, fresh));
        assertEquals(SlotState.SLOT_LIVE, array().getSlots(2).getState());
        assertEquals(fresh, array().getSlots(2).getNodeId());
        assertEquals(MarkSlotRebuiltResult.Status.SLOT_NOT_REBUILDING, rebuilt(2, fresh));
        machine.checkInvariants();
    }

    @Test
    void markDead_lowerOrEqualDeathVersion_isRefused() {
        assertEquals(MarkSlotDeadResult.Status.OK, dead(0, sectorId(0), 10).getStatus());
        assertEquals(
                MarkSlotDeadResult.Status.STALE_DEATH_VERSION,
                dead(1, sectorId(1), 10).getStatus());
        assertEquals(
                MarkSlotDeadResult.Status.STALE_DEATH_VERSION,
                dead(1, sectorId(1), 3).getStatus());
        MarkSlotDeadResult ok = dead(1, sectorId(1), 11);
        assertEquals(MarkSlotDeadResult.Status.OK, ok.getStatus());
        assertEquals(11, ok.getDeathRecordVersion());
        assertEquals(2, ok.getDegradedSlotCount());
        assertEquals(
                MarkSlotDeadResult.Status.ALREADY_DEAD, dead(1, sectorId(1), 12).getStatus());
        assertEquals(
                MarkSlotDeadResult.Status.NODE_MISMATCH,
                dead(2, sectorId(3), 12).getStatus());
        assertEquals(
                MarkSlotDeadResult.Status.UNKNOWN_SLOT,
                dead(Fixtures.K + Fixtures.M, sectorId(3), 12).getStatus());
        assertEquals(MarkSlotDeadResult.Status.INVALID, dead(2, "xyz", 12).getStatus());
        assertEquals(11, array().getDeathRecordVersion());
    }

    @Test
    void assignReplacement_deadOrSeatedIdentity_isRefused() {
        dead(0, sectorId(0), 1);
        assertEquals(AssignReplacementResult.Status.NODE_ID_NOT_USABLE, assign(0, sectorId(0)));
        assertEquals(AssignReplacementResult.Status.NODE_ID_NOT_USABLE, assign(0, sectorId(1)));
        assertEquals(AssignReplacementResult.Status.SLOT_NOT_DEAD, assign(1, nodeId("new")));
        assertEquals(AssignReplacementResult.Status.UNKNOWN_SLOT, assign(99, nodeId("new")));
        assertEquals(AssignReplacementResult.Status.INVALID, assign(0, "NOT-A-NODE-ID"));
    }

    private ReserveStripesResult.Status reserveStatus(String node, int count) {
        return machine.apply(fixtures.command()
                        .setReserveStripes(
                                ReserveStripes.newBuilder().setCacheNodeId(node).setStripeCount(count))
                        .build())
                .getReserveStripes()
                .getStatus();
    }

    private ReleaseStripesResult.Status releaseStatus(String node, List<Long> stripes) {
        return machine.apply(fixtures.command()
                        .setReleaseStripes(ReleaseStripes.newBuilder()
                                .setCacheNodeId(node)
                                .addAllStripes(new ArrayList<>(stripes)))
                        .build())
                .getReleaseStripes()
                .getStatus();
    }

    private MarkSlotDeadResult dead(int slot, String node, long version) {
        return machine.apply(fixtures.command()
                        .setMarkSlotDead(MarkSlotDead.newBuilder()
                                .setSlotIndex(slot)
                                .setExpectedNodeId(node)
                                .setDeathRecordVersion(version)
                                .setReporterCacheNodeId(CACHE_A))
                        .build())
                .getMarkSlotDead();
    }

    private AssignReplacementResult.Status assign(int slot, String node) {
        return machine.apply(fixtures.command()
                        .setAssignReplacement(AssignReplacement.newBuilder()
                                .setSlotIndex(slot)
                                .setReplacement(SlotAssignment.newBuilder()
                                        .setNodeId(node)
                                        .setAddress("new:7000"))
                                .setRebuilderCacheNodeId(CACHE_A))
                        .build())
                .getAssignReplacement()
                .getStatus();
    }

    private MarkSlotRebuiltResult.Status rebuilt(int slot, String node) {
        return machine.apply(fixtures.command()
                        .setMarkSlotRebuilt(MarkSlotRebuilt.newBuilder()
                                .setSlotIndex(slot)
                                .setExpectedNodeId(node)
                                .setRebuilderCacheNodeId(CACHE_A))
                        .build())
                .getMarkSlotRebuilt()
                .getStatus();
    }

    private ArrayView array() {
        return machine.query(Query.newBuilder()
                        .setArray(ArrayQuery.getDefaultInstance())
                        .build())
                .getArray();
    }
}
