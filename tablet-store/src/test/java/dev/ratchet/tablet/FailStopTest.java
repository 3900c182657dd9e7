package dev.ratchet.tablet;

import static dev.ratchet.tablet.Fixtures.nodeId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.tablet.proto.ClusterQuery;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.QueryResult;
import dev.ratchet.tablet.proto.Rejection;
import dev.ratchet.tablet.proto.ReserveStripes;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.Snapshot;
import org.junit.jupiter.api.Test;

/** An unexpected exception inside apply stops the machine instead of letting it diverge. */
class FailStopTest {
    private final Fixtures fixtures = new Fixtures();

    @Test
    void unexpectedException_failsStop_andRefusesEverythingAfter() {
        TabletStateMachine healthy = fixtures.bootstrapped(2, 10);
        TabletState state = TabletState.fromSnapshot(healthy.snapshotMessage());
        state.stripes = null; // Simulates a bug: the handler dereferences a missing structure.
        TabletStateMachine machine = new TabletStateMachine(state);

        Result first = machine.apply(reserve());
        assertEquals(Rejection.Reason.STATE_MACHINE_FAILED, first.getRejection().getReason());
        assertTrue(first.getRejection().getDetail().contains("NullPointerException"), first.toString());
        assertTrue(machine.failed());

        Result later = machine.apply(fixtures.command()
                .setRotateDataKey(dev.ratchet.tablet.proto.RotateDataKey.newBuilder()
                        .setNewEpoch(2)
                        .setKey(Fixtures.key(2)))
                .build());
        assertEquals(Rejection.Reason.STATE_MACHINE_FAILED, later.getRejection().getReason());
        QueryResult query = machine.query(
                Query.newBuilder().setCluster(ClusterQuery.getDefaultInstance()).build());
        assertEquals(QueryResult.Status.STATE_MACHINE_FAILED, query.getStatus());
        assertThrows(IllegalStateException.class, machine::snapshot);
    }

    @Test
    void restore_refusesInconsistentSnapshots() {
        TabletStateMachine machine = fixtures.bootstrapped(2, 10);
        fixtures.reserve(machine, nodeId("cache-a"), 2);
        Snapshot good = machine.snapshotMessage();
        assertArrayEquals(
                good.toByteArray(),
                TabletStateMachine.restore(good.toByteArray()).snapshot());

        Snapshot leaked = good.toBuilder().setStripeHighWater(5).build();
        assertThrows(IllegalArgumentException.class, () -> TabletStateMachine.restore(leaked.toByteArray()));
        Snapshot doubleBooked = good.toBuilder().addFreeStripes(0).build();
        assertThrows(IllegalArgumentException.class, () -> TabletStateMachine.restore(doubleBooked.toByteArray()));
        Snapshot gap = good.toBuilder()
                .setTablets(1, good.getTablets(1).toBuilder().setRangeFirst(7))
                .build();
        assertThrows(IllegalArgumentException.class, () -> TabletStateMachine.restore(gap.toByteArray()));
        Snapshot future = good.toBuilder().setFormatVersion(99).build();
        assertThrows(IllegalArgumentException.class, () -> TabletStateMachine.restore(future.toByteArray()));
        assertThrows(IllegalArgumentException.class, () -> TabletStateMachine.restore(new byte[] {1, 2, 3}));
    }

    private dev.ratchet.tablet.proto.Command reserve() {
        return fixtures.command()
                .setReserveStripes(ReserveStripes.newBuilder()
                        .setCacheNodeId(nodeId("cache-a"))
                        .setStripeCount(1))
                .build();
    }
}
