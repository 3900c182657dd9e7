package dev.ratchet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ratchet.cache.UnsettledCommits.Guard;
import dev.ratchet.tablet.proto.TabletMeta;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UnsettledCommitsTest {
    private final UnsettledCommits unsettled = new UnsettledCommits();

    @Test
    void aCommitWhoseTabletIsStillAtTheExpectedVersion_staysHeld() {
        unsettled.hold(new long[] {1, 2}, List.of(new Guard(7, 3)));
        assertEquals(List.of(), unsettled.settle(Map.of(7L, tablet(7, 3)), Set.of(1L, 2L)));
        assertEquals(2, unsettled.stripeCount());
        assertEquals(Set.of(7L), unsettled.tabletIds());
    }

    @Test
    void aCommitThatCannotApplyAnyMore_givesBackWhatIsStillReserved_only() {
        unsettled.hold(new long[] {1, 2}, List.of(new Guard(7, 3)));
        unsettled.hold(new long[] {5}, List.of(new Guard(8, 1)));
        // Tablet 7 moved on; stripe 2 is no longer reserved (the commit or a later one took it).
        assertEquals(List.of(1L), unsettled.settle(Map.of(7L, tablet(7, 5), 8L, tablet(8, 1)), Set.of(1L, 5L)));
        assertEquals(1, unsettled.stripeCount(), "tablet 8's commit is still held");
        assertEquals(Set.of(8L), unsettled.tabletIds());
    }

    @Test
    void aCommitThatApplied_givesBackNothing() {
        unsettled.hold(new long[] {4}, List.of(new Guard(7, 3)));
        // It applied (v3 -> v4) and consumed stripe 4 from the reservation.
        assertEquals(List.of(), unsettled.settle(Map.of(7L, tablet(7, 4)), Set.of(9L)));
        assertEquals(0, unsettled.stripeCount());
    }

    @Test
    void aRetiredTablet_settles_andOneMovedTabletOfAMerge_settlesIt() {
        unsettled.hold(new long[] {1}, List.of(new Guard(7, 3)));
        unsettled.hold(new long[] {2}, List.of(new Guard(8, 1), new Guard(9, 6)));
        List<Long> back = unsettled.settle(Map.of(8L, tablet(8, 1), 9L, tablet(9, 7)), Set.of(1L, 2L));
        assertEquals(List.of(1L, 2L), back);
        assertEquals(0, unsettled.stripeCount());
    }

    @Test
    void emptyCommits_areNotHeld_andAGuardIsRequired() {
        unsettled.hold(new long[0], List.of(new Guard(7, 3)));
        assertEquals(0, unsettled.stripeCount());
        assertThrows(IllegalArgumentException.class, () -> unsettled.hold(new long[] {1}, List.of()));
    }

    private static TabletMeta tablet(long id, long version) {
        return TabletMeta.newBuilder().setTabletId(id).setVersion(version).build();
    }
}
