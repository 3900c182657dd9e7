package dev.ratchet.cache;

import static dev.ratchet.cache.TabletBatchTest.bytes;
import static dev.ratchet.cache.TabletBatchTest.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.cache.proto.AppliedRequest;
import dev.ratchet.cache.proto.Entry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TabletSplitMergeTest {
    private static final long LEFT = 3;
    private static final long RIGHT = 9;

    private static TabletContents withKeys(int count) {
        List<KvOp> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ops.add(KvOp.put(id(i), bytes("key-" + i), bytes("value-" + i)));
        }
        return TabletBatch.apply(TabletContents.empty(LEFT), ops).next();
    }

    @Test
    void position_isFirst8BytesOfSha256_bigEndianUnsigned() {
        // SHA-256("") = e3b0c44298fc1c14 9afbf4c8996fb924...
        assertEquals(0xe3b0c44298fc1c14L, RingPosition.position(ByteString.EMPTY));
        // SHA-256("abc") = ba7816bf8f01cfea 414140de5dae2223...
        assertEquals(0xba7816bf8f01cfeaL, RingPosition.position(bytes("abc")));
    }

    @Test
    void within_isInclusive_andUnsigned() {
        assertTrue(RingPosition.within(-1L, 0, -1L));
        assertTrue(RingPosition.within(5, 5, 5));
        assertFalse(RingPosition.within(4, 5, 6));
        assertFalse(RingPosition.within(-1L, 0, Long.MAX_VALUE));
        assertTrue(RingPosition.within(Long.MIN_VALUE, Long.MAX_VALUE, -1L));
    }

    @Test
    void split_putsEveryKeyInExactlyOneHalf_byPosition() {
        TabletContents tablet = withKeys(200);
        long split = tablet.medianPosition();

        TabletContents[] halves = tablet.splitAt(split, RIGHT);

        assertEquals(LEFT, halves[0].tabletId());
        assertEquals(RIGHT, halves[1].tabletId());
        assertEquals(200, halves[0].keyCount() + halves[1].keyCount());
        for (Entry entry : halves[0].entries()) {
            assertTrue(Long.compareUnsigned(RingPosition.position(entry.getKey()), split) < 0);
            assertTrue(halves[1].get(entry.getKey()).isEmpty());
        }
        for (Entry entry : halves[1].entries()) {
            assertTrue(Long.compareUnsigned(RingPosition.position(entry.getKey()), split) >= 0);
        }
        for (Entry entry : tablet.entries()) {
            boolean inLeft = halves[0].get(entry.getKey()).isPresent();
            boolean inRight = halves[1].get(entry.getKey()).isPresent();
            assertTrue(inLeft ^ inRight, "key in exactly one half");
        }
    }

    @Test
    void split_halvesInheritNextVersion_andWindow() {
        TabletContents tablet = withKeys(20);

        TabletContents[] halves = tablet.splitAt(tablet.medianPosition(), RIGHT);

        for (TabletContents half : halves) {
            assertEquals(tablet.nextKeyVersion(), half.nextKeyVersion());
            assertEquals(tablet.appliedRequests(), half.appliedRequests());
        }
    }

    @Test
    void split_retryOfAnAppliedOp_replaysInTheHalfThatOwnsItsKey() {
        TabletContents tablet = withKeys(20);
        KvOp first = KvOp.put(id(0), bytes("key-0"), bytes("value-0"));
        long split = tablet.medianPosition();
        TabletContents[] halves = tablet.splitAt(split, RIGHT);
        TabletContents owner =
                Long.compareUnsigned(RingPosition.position(first.key()), split) < 0 ? halves[0] : halves[1];

        TabletBatch.Applied retry = TabletBatch.apply(owner, List.of(first));

        assertEquals(List.of(OpOutcome.written(1)), retry.outcomes());
        assertFalse(retry.changed());
    }

    @Test
    void split_versionsKeepGrowingInBothHalves() {
        TabletContents tablet = withKeys(20);
        TabletContents[] halves = tablet.splitAt(tablet.medianPosition(), RIGHT);

        for (TabletContents half : halves) {
            TabletBatch.Applied applied =
                    TabletBatch.apply(half, List.of(KvOp.put(id(1000), bytes("new"), bytes("v"))));
            assertEquals(List.of(OpOutcome.written(21)), applied.outcomes());
        }
    }

    @Test
    void merge_ofSplit_givesBackTheOriginal() {
        TabletContents tablet = withKeys(100);
        TabletContents[] halves = tablet.splitAt(tablet.medianPosition(), RIGHT);

        TabletContents merged = TabletContents.merge(halves[0], halves[1]);

        assertEquals(tablet.entries(), merged.entries());
        assertEquals(tablet.nextKeyVersion(), merged.nextKeyVersion());
        assertEquals(tablet.appliedRequests(), merged.appliedRequests());
        assertEquals(tablet, merged);
    }

    @Test
    void merge_ofSplitAtEveryBoundary_givesBackTheOriginal() {
        TabletContents tablet = withKeys(10);
        List<Long> cuts = new ArrayList<>(List.of(0L, -1L, Long.MIN_VALUE));
        for (Entry entry : tablet.entries()) {
            cuts.add(RingPosition.position(entry.getKey()));
        }
        for (long cut : cuts) {
            TabletContents[] halves = tablet.splitAt(cut, RIGHT);
            assertEquals(tablet, TabletContents.merge(halves[0], halves[1]), "cut " + Long.toUnsignedString(cut));
        }
    }

    @Test
    void merge_takesTheLargerNextVersion_andKeepsTheLeftId() {
        TabletContents left = withKeys(3);
        TabletContents right = TabletBatch.apply(
                        TabletContents.empty(RIGHT),
                        List.of(
                                KvOp.put(id(100), bytes("r1"), bytes("v")),
                                KvOp.put(id(101), bytes("r1"), bytes("v")),
                                KvOp.put(id(102), bytes("r1"), bytes("v")),
                                KvOp.put(id(103), bytes("r2"), bytes("v"))))
                .next();

        TabletContents merged = TabletContents.merge(left, right);

        assertEquals(LEFT, merged.tabletId());
        assertEquals(5, merged.nextKeyVersion());
        assertEquals(5, merged.keyCount());
        assertEquals(7, merged.appliedRequests().size());
    }

    @Test
    void merge_boundsTheWindowByBytes_takingTheNewestOfEachAlternately_andRaisesTheFloor() {
        int half = recordsFilling(TabletWindow.BYTES_MAX) * 3 / 4;
        TabletContents left = window(LEFT, 0, half);
        TabletContents right = window(RIGHT, 100_000, half);

        TabletContents merged = TabletContents.merge(left, right);
        List<AppliedRequest> records = merged.appliedRequests();

        assertTrue(TabletWindow.bytes(records) <= TabletWindow.BYTES_MAX);
        assertTrue(records.size() < 2 * half, "the union did not fit");
        Set<ByteString> ids = new HashSet<>();
        for (AppliedRequest record : records) {
            ids.add(record.getRequestId());
        }
        assertEquals(records.size(), ids.size());
        // The newest of each side survive, oldest first; at each rank the left record counts as the newer one.
        assertEquals(id(half - 1), records.get(records.size() - 1).getRequestId());
        assertEquals(id(100_000 + half - 1), records.get(records.size() - 2).getRequestId());
        // Both windows were written at tick 3: what the bound dropped raises the floor past it.
        assertEquals(4, merged.windowFloorTicks());
    }

    @Test
    void merge_takesTheHigherFloor() {
        TabletContents left = withFloor(LEFT, 10);
        TabletContents right = withFloor(RIGHT, 20);
        assertEquals(11, left.windowFloorTicks());
        assertEquals(21, right.windowFloorTicks());
        assertEquals(21, TabletContents.merge(left, right).windowFloorTicks());
        assertEquals(21, TabletContents.merge(right, left).windowFloorTicks());
    }

    @Test
    void split_halvesInheritTheFloor() {
        TabletContents tablet = withFloor(LEFT, 5);
        TabletContents[] halves = tablet.splitAt(Long.MIN_VALUE, RIGHT);
        assertTrue(tablet.windowFloorTicks() > 0);
        assertEquals(tablet.windowFloorTicks(), halves[0].windowFloorTicks());
        assertEquals(tablet.windowFloorTicks(), halves[1].windowFloorTicks());
    }

    /** A tablet whose window dropped a record of tick {@code offset}: its floor is {@code offset + 1}. */
    private static TabletContents withFloor(long tabletId, long offset) {
        TabletContents tablet = TabletBatch.apply(
                        TabletContents.empty(tabletId),
                        List.of(KvOp.put(id((int) offset), bytes("f" + tabletId), bytes("old"))),
                        offset)
                .next();
        long now = offset + TabletWindow.AGE_TICKS_MAX + 1;
        return TabletBatch.apply(
                        tablet,
                        List.of(KvOp.put(id((int) offset + 1), bytes("g" + tabletId), bytes("new"))
                                .issuedAt(now)),
                        now)
                .next();
    }

    private static int recordsFilling(long bytes) {
        AppliedRequest sample = window(LEFT, 0, 1).appliedRequests().get(0);
        return (int) (bytes / TabletWindow.recordBytes(sample));
    }

    private static TabletContents window(long tabletId, int firstId, int count) {
        List<KvOp> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ops.add(KvOp.put(id(firstId + i), bytes("t" + tabletId), bytes("v" + i))
                    .issuedAt(3));
        }
        return TabletBatch.apply(TabletContents.empty(tabletId), ops, 3).next();
    }

    @Test
    void merge_refusesOverlappingKeys_andTheSameId() {
        TabletContents tablet = withKeys(3);
        TabletContents other = TabletBatch.apply(
                        TabletContents.empty(RIGHT), List.of(KvOp.put(id(1), bytes("key-1"), bytes("x"))))
                .next();

        assertThrows(IllegalArgumentException.class, () -> TabletContents.merge(tablet, other));
        assertThrows(IllegalArgumentException.class, () -> TabletContents.merge(tablet, tablet));
    }

    @Test
    void split_refusesTheSameIdForBothHalves() {
        assertThrows(IllegalArgumentException.class, () -> withKeys(3).splitAt(0, LEFT));
    }

    @Test
    void splitPosition_isStrictlyInsideTheRange_andLeavesKeysOnBothSides() {
        for (int count = 2; count < 40; count++) {
            TabletContents tablet = withKeys(count);

            long split = tablet.splitPosition(0, -1L).orElseThrow();

            assertTrue(Long.compareUnsigned(split, 0) > 0);
            TabletContents[] halves = tablet.splitAt(split, RIGHT);
            assertTrue(halves[0].keyCount() >= count / 2 - 1 && halves[0].keyCount() > 0, "count " + count);
            assertTrue(halves[1].keyCount() > 0, "count " + count);
            assertTrue(Math.abs(halves[0].keyCount() - halves[1].keyCount()) <= 1, "balanced at " + count);
        }
    }

    @Test
    void splitPosition_isEmpty_withFewerThanTwoKeys() {
        assertEquals(OptionalLong.empty(), TabletContents.empty(LEFT).splitPosition(0, -1L));
        assertEquals(OptionalLong.empty(), withKeys(1).splitPosition(0, -1L));
    }

    @Test
    void splitPosition_withinANarrowRange_staysInside() {
        TabletContents tablet = withKeys(2);
        long[] positions = tablet.entries().stream()
                .mapToLong(entry -> RingPosition.position(entry.getKey()))
                .boxed()
                .sorted(Long::compareUnsigned)
                .mapToLong(Long::longValue)
                .toArray();

        long split = tablet.splitPosition(positions[0], positions[1]).orElseThrow();

        assertEquals(positions[1], split);
    }

    @Test
    void splitPosition_refusesKeysOutsideTheRange() {
        TabletContents tablet = withKeys(5);
        assertThrows(IllegalStateException.class, () -> tablet.splitPosition(0, 0));
    }

    @Test
    void medianPosition_ofEmptyTablet_isRefused() {
        assertThrows(
                IllegalStateException.class, () -> TabletContents.empty(LEFT).medianPosition());
    }
}
