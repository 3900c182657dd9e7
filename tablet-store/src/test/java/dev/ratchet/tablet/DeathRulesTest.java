package dev.ratchet.tablet;

import static dev.ratchet.tablet.Fixtures.nodeId;
import static dev.ratchet.tablet.Fixtures.sectorId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.tablet.proto.ArrayQuery;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.AssignReplacement;
import dev.ratchet.tablet.proto.CacheNodeHeartbeat;
import dev.ratchet.tablet.proto.DeathSuspicion;
import dev.ratchet.tablet.proto.DeregisterCacheNode;
import dev.ratchet.tablet.proto.MarkSlotDead;
import dev.ratchet.tablet.proto.MarkSlotDeadResult;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.SlotAssignment;
import dev.ratchet.tablet.proto.SlotState;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The store's death rules (issue 13, item 2): deaths are capped at m, and a death reported by one
 * cache node while others are registered is a suspicion until a second one reports it too.
 */
class DeathRulesTest {
    private static final String CACHE_A = nodeId("cache-a");
    private static final String CACHE_B = nodeId("cache-b");
    private static final String CACHE_C = nodeId("cache-c");

    private final Fixtures fixtures = new Fixtures();
    private final TabletStateMachine machine = fixtures.bootstrapped(2, 20);

    @Test
    void aSingleCacheNode_killsAlone_butNeverMoreThanM() {
        for (int slot = 0; slot < Fixtures.M; slot++) {
            MarkSlotDeadResult result = report(slot, CACHE_A);
            assertEquals(MarkSlotDeadResult.Status.OK, result.getStatus(), result.toString());
            assertEquals(1, result.getReportersNeeded());
        }
        for (int slot = Fixtures.M; slot < Fixtures.K + Fixtures.M; slot++) {
            MarkSlotDeadResult refused = report(slot, CACHE_A);
            assertEquals(MarkSlotDeadResult.Status.TOO_MANY_DEAD, refused.getStatus(), refused.toString());
            assertTrue(refused.getDetail().contains("fewer than k=" + Fixtures.K), refused.getDetail());
            assertEquals(SlotState.SLOT_LIVE, array().getSlots(slot).getState());
        }
        assertEquals(Fixtures.M, array().getDeathRecordVersion());
        machine.checkInvariants();
    }

    @Test
    void theCap_countsRebuildingSlotsAsNotLive() {
        assertEquals(MarkSlotDeadResult.Status.OK, report(0, CACHE_A).getStatus());
        assignReplacement(0, nodeId("replacement-0"));
        assertEquals(SlotState.SLOT_REBUILDING, array().getSlots(0).getState());
        assertEquals(MarkSlotDeadResult.Status.OK, report(1, CACHE_A).getStatus());
        // LIVE: 2..5 = 4 = k. One more LIVE death would leave 3.
        assertEquals(MarkSlotDeadResult.Status.TOO_MANY_DEAD, report(2, CACHE_A).getStatus());
        // The rebuilding slot's new server may still die: the LIVE count does not change.
        assertEquals(
                MarkSlotDeadResult.Status.OK,
                report(0, nodeId("replacement-0"), CACHE_A).getStatus());
        machine.checkInvariants();
    }

    @Test
    void withTwoCacheNodes_oneReportIsASuspicion_andTheSecondMakesTheDeath() {
        fixtures.register(machine, CACHE_B);
        MarkSlotDeadResult first = report(3, CACHE_A);
        assertEquals(MarkSlotDeadResult.Status.SUSPECTED, first.getStatus(), first.toString());
        assertEquals(1, first.getReporterCount());
        assertEquals(2, first.getReportersNeeded());
        assertEquals(SlotState.SLOT_LIVE, array().getSlots(3).getState());
        assertEquals(0, array().getDeathRecordVersion());
        List<DeathSuspicion> listed = array().getDeathSuspicionsList();
        assertEquals(1, listed.size());
        assertEquals(3, listed.get(0).getSlotIndex());
        assertEquals(sectorId(3), listed.get(0).getNodeId());
        assertEquals(CACHE_A, listed.get(0).getReporterCacheNodeId());
        machine.checkInvariants();

        // Reporting again adds no second voice.
        assertEquals(MarkSlotDeadResult.Status.SUSPECTED, report(3, CACHE_A).getStatus());

        MarkSlotDeadResult second = report(3, CACHE_B);
        assertEquals(MarkSlotDeadResult.Status.OK, second.getStatus(), second.toString());
        assertEquals(2, second.getReporterCount());
        assertEquals(SlotState.SLOT_DEAD, array().getSlots(3).getState());
        assertEquals(1, array().getDeathRecordVersion());
        assertTrue(array().getDeathSuspicionsList().isEmpty(), "a death ends the slot's suspicions");
        machine.checkInvariants();
    }

    @Test
    void twoCorroboratedDeaths_thenTheCap_holdEvenWhenEveryNodeAgrees() {
        fixtures.register(machine, CACHE_B);
        fixtures.register(machine, CACHE_C);
        for (int slot = 0; slot < Fixtures.M; slot++) {
            assertEquals(
                    MarkSlotDeadResult.Status.SUSPECTED, report(slot, CACHE_A).getStatus());
            assertEquals(MarkSlotDeadResult.Status.OK, report(slot, CACHE_B).getStatus());
        }
        for (String reporter : List.of(CACHE_A, CACHE_B, CACHE_C)) {
            assertEquals(
                    MarkSlotDeadResult.Status.TOO_MANY_DEAD,
                    report(Fixtures.M, reporter).getStatus());
        }
        assertEquals(Fixtures.M, array().getDeathRecordVersion());
        machine.checkInvariants();
    }

    @Test
    void aSuspicion_lapsesAfterItsReporterLogsEnoughHeartbeats() {
        fixtures.register(machine, CACHE_B);
        assertEquals(MarkSlotDeadResult.Status.SUSPECTED, report(4, CACHE_A).getStatus());
        for (long beat = 0; beat < DeathSuspicions.HEARTBEATS_MAX; beat++) {
            heartbeat(CACHE_A);
        }
        assertEquals(1, array().getDeathSuspicionsCount(), "not lapsed at exactly the limit");
        heartbeat(CACHE_A);
        assertTrue(array().getDeathSuspicionsList().isEmpty(), "lapsed one heartbeat past the limit");
        // A late second report is then only a new suspicion, not a death.
        assertEquals(MarkSlotDeadResult.Status.SUSPECTED, report(4, CACHE_B).getStatus());
        assertEquals(SlotState.SLOT_LIVE, array().getSlots(4).getState());
        machine.checkInvariants();
    }

    @Test
    void aReporterThatLeaves_takesItsSuspicionsWithIt_andTheRuleShrinksToOne() {
        fixtures.register(machine, CACHE_B);
        assertEquals(MarkSlotDeadResult.Status.SUSPECTED, report(5, CACHE_B).getStatus());
        deregister(CACHE_B);
        assertTrue(array().getDeathSuspicionsList().isEmpty());
        machine.checkInvariants();
        // With one node left there is nobody to ask: its report is final (within the cap).
        assertEquals(MarkSlotDeadResult.Status.OK, report(5, CACHE_A).getStatus());
    }

    @Test
    void aReplacementServer_startsWithNoSuspicions() {
        fixtures.register(machine, CACHE_B);
        assertEquals(MarkSlotDeadResult.Status.SUSPECTED, report(1, CACHE_A).getStatus());
        assertEquals(MarkSlotDeadResult.Status.OK, report(1, CACHE_B).getStatus());
        assignReplacement(1, nodeId("replacement-1"));
        assertEquals(
                MarkSlotDeadResult.Status.SUSPECTED,
                report(1, nodeId("replacement-1"), CACHE_A).getStatus());
        List<DeathSuspicion> listed = array().getDeathSuspicionsList();
        assertEquals(1, listed.size(), "only the report on the new server: " + listed);
        assertEquals(nodeId("replacement-1"), listed.get(0).getNodeId());
        machine.checkInvariants();
    }

    @Test
    void anUnknownOrMalformedReporter_isRefused_andChangesNothing() {
        assertEquals(
                MarkSlotDeadResult.Status.UNKNOWN_CACHE_NODE, report(0, CACHE_B).getStatus());
        assertEquals(MarkSlotDeadResult.Status.INVALID, report(0, "not-a-node").getStatus());
        assertEquals(MarkSlotDeadResult.Status.INVALID, report(0, "").getStatus());
        assertEquals(SlotState.SLOT_LIVE, array().getSlots(0).getState());
        assertTrue(array().getDeathSuspicionsList().isEmpty());
    }

    @Test
    void suspicions_surviveASnapshotRoundTrip() {
        fixtures.register(machine, CACHE_B);
        assertEquals(MarkSlotDeadResult.Status.SUSPECTED, report(2, CACHE_A).getStatus());
        TabletStateMachine restored = TabletStateMachine.restore(machine.snapshot());
        assertEquals(
                array().getDeathSuspicionsList(),
                restored.query(Query.newBuilder()
                                .setArray(ArrayQuery.getDefaultInstance())
                                .build())
                        .getArray()
                        .getDeathSuspicionsList());
        restored.checkInvariants();
    }

    @Test
    void aLie_needsOneReporter_evenWithOthersRegistered_butStaysUnderTheCap() {
        fixtures.register(machine, CACHE_B);
        fixtures.register(machine, CACHE_C);
        MarkSlotDeadResult lied = lie(2, CACHE_A);
        assertEquals(MarkSlotDeadResult.Status.OK, lied.getStatus(), lied.toString());
        assertEquals(SlotState.SLOT_DEAD, array().getSlots(2).getState());
        assertEquals(1, array().getDeathRecordVersion());
        // The same node's unreachable report of another slot is still only a suspicion.
        assertEquals(MarkSlotDeadResult.Status.SUSPECTED, report(3, CACHE_A).getStatus());
        assertEquals(MarkSlotDeadResult.Status.OK, lie(3, CACHE_B).getStatus());
        assertTrue(array().getDeathSuspicionsList().isEmpty(), "a death clears the slot's suspicions");
        MarkSlotDeadResult capped = lie(4, CACHE_C);
        assertEquals(MarkSlotDeadResult.Status.TOO_MANY_DEAD, capped.getStatus(), capped.toString());
        assertEquals(SlotState.SLOT_LIVE, array().getSlots(4).getState());
        machine.checkInvariants();
    }

    @Test
    void anUnknownCause_isInvalid_andChangesNothing() {
        MarkSlotDeadResult result = machine.apply(fixtures.command()
                        .setMarkSlotDead(MarkSlotDead.newBuilder()
                                .setSlotIndex(1)
                                .setExpectedNodeId(sectorId(1))
                                .setDeathRecordVersion(1)
                                .setReporterCacheNodeId(CACHE_A)
                                .setCauseValue(99))
                        .build())
                .getMarkSlotDead();
        assertEquals(MarkSlotDeadResult.Status.INVALID, result.getStatus(), result.toString());
        assertTrue(result.getDetail().contains("cause"), result.getDetail());
        assertEquals(SlotState.SLOT_LIVE, array().getSlots(1).getState());
        assertEquals(0, array().getDeathRecordVersion());
    }

    private MarkSlotDeadResult report(int slot, String reporter) {
        return report(slot, sectorId(slot), reporter);
    }

    private MarkSlotDeadResult report(int slot, String server, String reporter) {
        return report(slot, server, reporter, MarkSlotDead.Cause.UNREACHABLE);
    }

    private MarkSlotDeadResult lie(int slot, String reporter) {
        return report(slot, sectorId(slot), reporter, MarkSlotDead.Cause.LIED);
    }

    private MarkSlotDeadResult report(int slot, String server, String reporter, MarkSlotDead.Cause cause) {
        return machine.apply(fixtures.command()
                        .setMarkSlotDead(MarkSlotDead.newBuilder()
                                .setSlotIndex(slot)
                                .setExpectedNodeId(server)
                                .setDeathRecordVersion(array().getDeathRecordVersion() + 1)
                                .setReporterCacheNodeId(reporter)
                                .setCause(cause))
                        .build())
                .getMarkSlotDead();
    }

    private void heartbeat(String node) {
        machine.apply(fixtures.command()
                .setCacheNodeHeartbeat(CacheNodeHeartbeat.newBuilder().setNodeId(node))
                .build());
    }

    private void deregister(String node) {
        machine.apply(fixtures.command()
                .setDeregisterCacheNode(DeregisterCacheNode.newBuilder().setNodeId(node))
                .build());
    }

    private void assignReplacement(int slot, String node) {
        machine.apply(fixtures.command()
                .setAssignReplacement(AssignReplacement.newBuilder()
                        .setSlotIndex(slot)
                        .setReplacement(
                                SlotAssignment.newBuilder().setNodeId(node).setAddress("new:7000"))
                        .setRebuilderCacheNodeId(Fixtures.nodeId("cache-a")))
                .build());
    }

    private ArrayView array() {
        return machine.query(Query.newBuilder()
                        .setArray(ArrayQuery.getDefaultInstance())
                        .build())
                .getArray();
    }
}
