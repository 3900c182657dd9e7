package dev.ratchet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.cache.TabletBatch.Applied;
import dev.ratchet.cache.proto.AppliedRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TabletBatchTest {
    private static final long TABLET = 7;

    static ByteString bytes(String text) {
        return ByteString.copyFromUtf8(text);
    }

    static ByteString id(int n) {
        return bytes(String.format("request-%08d", n));
    }

    private static TabletContents applyAll(TabletContents base, KvOp... ops) {
        return TabletBatch.apply(base, List.of(ops)).next();
    }

    @Test
    void put_thenGet_returnsValueAtVersionOne() {
        Applied applied =
                TabletBatch.apply(TabletContents.empty(TABLET), List.of(KvOp.put(id(1), bytes("k"), bytes("v"))));

        assertTrue(applied.changed());
        assertEquals(List.of(OpOutcome.written(1)), applied.outcomes());
        assertEquals(Optional.of(new StoredValue(bytes("v"), 1)), applied.next().get(bytes("k")));
        assertEquals(2, applied.next().nextKeyVersion());
        assertEquals(1, applied.next().keyCount());
    }

    @Test
    void get_absentKey_isEmpty() {
        assertEquals(Optional.empty(), TabletContents.empty(TABLET).get(bytes("k")));
    }

    @Test
    void put_overwrites_withHigherVersion() {
        TabletContents tablet = applyAll(
                TabletContents.empty(TABLET),
                KvOp.put(id(1), bytes("k"), bytes("a")),
                KvOp.put(id(2), bytes("k"), bytes("b")));

        assertEquals(Optional.of(new StoredValue(bytes("b"), 2)), tablet.get(bytes("k")));
        assertEquals(1, tablet.keyCount());
    }

    @Test
    void delete_existingKey_removesIt_reportsItsVersion_andConsumesAVersion() {
        TabletContents tablet = applyAll(TabletContents.empty(TABLET), KvOp.put(id(1), bytes("k"), bytes("a")));

        Applied applied = TabletBatch.apply(tablet, List.of(KvOp.delete(id(2), bytes("k"))));

        assertEquals(List.of(OpOutcome.deleted(1)), applied.outcomes());
        assertTrue(applied.outcomes().get(0).existed());
        assertTrue(applied.changed());
        assertEquals(Optional.empty(), applied.next().get(bytes("k")));
        assertEquals(3, applied.next().nextKeyVersion());
    }

    @Test
    void delete_absentKey_changesNothing() {
        TabletContents base = TabletContents.empty(TABLET);

        Applied applied = TabletBatch.apply(base, List.of(KvOp.delete(id(1), bytes("k"))));

        assertEquals(List.of(OpOutcome.deletedAbsent()), applied.outcomes());
        assertFalse(applied.outcomes().get(0).existed());
        assertEquals(0, applied.outcomes().get(0).version());
        assertFalse(applied.changed());
        assertSame(base, applied.next());
    }

    @Test
    void versions_strictlyIncrease_acrossDeleteAndReput() {
        TabletContents tablet = TabletContents.empty(TABLET);
        long last = 0;
        for (int i = 0; i < 10; i++) {
            tablet = applyAll(tablet, KvOp.put(id(2 * i), bytes("k"), bytes("v" + i)));
            long version = tablet.get(bytes("k")).orElseThrow().version();
            assertTrue(version > last, "version " + version + " after " + last);
            last = version;
            tablet = applyAll(tablet, KvOp.delete(id(2 * i + 1), bytes("k")));
        }
    }

    @Test
    void versions_areSharedAcrossKeysOfTheTablet() {
        TabletContents tablet = applyAll(
                TabletContents.empty(TABLET),
                KvOp.put(id(1), bytes("a"), bytes("1")),
                KvOp.put(id(2), bytes("b"), bytes("2")),
                KvOp.put(id(3), bytes("a"), bytes("3")));

        assertEquals(3, tablet.get(bytes("a")).orElseThrow().version());
        assertEquals(2, tablet.get(bytes("b")).orElseThrow().version());
    }

    @Test
    void compareAndSet_byVersion() {
        TabletContents tablet = applyAll(TabletContents.empty(TABLET), KvOp.put(id(1), bytes("k"), bytes("a")));

        Applied wrong = TabletBatch.apply(
                tablet, List.of(KvOp.compareAndSet(id(2), bytes("k"), Expectation.version(5), bytes("b"))));
        Applied right = TabletBatch.apply(
                tablet, List.of(KvOp.compareAndSet(id(3), bytes("k"), Expectation.version(1), bytes("b"))));

        assertEquals(
                List.of(new OpOutcome(false, 1, false, true, bytes("a"), OpOutcome.Refusal.NONE)), wrong.outcomes());
        assertFalse(wrong.changed());
        assertSame(tablet, wrong.next());
        assertEquals(List.of(OpOutcome.written(2)), right.outcomes());
        assertEquals(Optional.of(new StoredValue(bytes("b"), 2)), right.next().get(bytes("k")));
    }

    @Test
    void compareAndSet_byVersion_onAbsentKey_failsWithVersionZero() {
        Applied applied = TabletBatch.apply(
                TabletContents.empty(TABLET),
                List.of(KvOp.compareAndSet(id(1), bytes("k"), Expectation.version(0), bytes("b"))));

        OpOutcome outcome = applied.outcomes().get(0);
        assertFalse(outcome.succeeded());
        assertEquals(0, outcome.version());
        assertFalse(outcome.currentFound());
        assertEquals(ByteString.EMPTY, outcome.currentValue());
    }

    @Test
    void compareAndSet_byValue() {
        TabletContents tablet = applyAll(TabletContents.empty(TABLET), KvOp.put(id(1), bytes("k"), bytes("a")));

        Applied wrong = TabletBatch.apply(
                tablet, List.of(KvOp.compareAndSet(id(2), bytes("k"), Expectation.value(bytes("x")), bytes("b"))));
        Applied right = TabletBatch.apply(
                tablet, List.of(KvOp.compareAndSet(id(3), bytes("k"), Expectation.value(bytes("a")), bytes("b"))));

        assertFalse(wrong.outcomes().get(0).succeeded());
        assertEquals(bytes("a"), wrong.outcomes().get(0).currentValue());
        assertEquals(1, wrong.outcomes().get(0).version());
        assertEquals(List.of(OpOutcome.written(2)), right.outcomes());
    }

    @Test
    void compareAndSet_byValue_onAbsentKey_fails() {
        Applied applied = TabletBatch.apply(
                TabletContents.empty(TABLET),
                List.of(KvOp.compareAndSet(id(1), bytes("k"), Expectation.value(ByteString.EMPTY), bytes("b"))));

        assertFalse(applied.outcomes().get(0).succeeded());
        assertFalse(applied.changed());
    }

    @Test
    void compareAndSet_expectAbsent() {
        TabletContents tablet = applyAll(TabletContents.empty(TABLET), KvOp.put(id(1), bytes("k"), bytes("a")));

        Applied present = TabletBatch.apply(
                tablet, List.of(KvOp.compareAndSet(id(2), bytes("k"), Expectation.absent(), bytes("b"))));
        Applied absent = TabletBatch.apply(
                tablet, List.of(KvOp.compareAndSet(id(3), bytes("other"), Expectation.absent(), bytes("b"))));

        assertEquals(
                List.of(new OpOutcome(false, 1, false, true, bytes("a"), OpOutcome.Refusal.NONE)), present.outcomes());
        assertEquals(List.of(OpOutcome.written(2)), absent.outcomes());
        assertEquals(Optional.of(new StoredValue(bytes("b"), 2)), absent.next().get(bytes("other")));
    }

    @Test
    void compareAndSet_seesEarlierPutInTheSameBatch() {
        Applied applied = TabletBatch.apply(
                TabletContents.empty(TABLET),
                List.of(
                        KvOp.put(id(1), bytes("k"), bytes("a")),
                        KvOp.compareAndSet(id(2), bytes("k"), Expectation.version(1), bytes("b")),
                        KvOp.compareAndSet(id(3), bytes("k"), Expectation.absent(), bytes("c"))));

        assertEquals(OpOutcome.written(1), applied.outcomes().get(0));
        assertEquals(OpOutcome.written(2), applied.outcomes().get(1));
        assertEquals(
                new OpOutcome(false, 2, false, true, bytes("b"), OpOutcome.Refusal.NONE),
                applied.outcomes().get(2));
        assertEquals(Optional.of(new StoredValue(bytes("b"), 2)), applied.next().get(bytes("k")));
    }

    @Test
    void compareAndSet_seesEarlierDeleteInTheSameBatch() {
        TabletContents tablet = applyAll(TabletContents.empty(TABLET), KvOp.put(id(1), bytes("k"), bytes("a")));

        Applied applied = TabletBatch.apply(
                tablet,
                List.of(
                        KvOp.delete(id(2), bytes("k")),
                        KvOp.compareAndSet(id(3), bytes("k"), Expectation.version(1), bytes("x")),
                        KvOp.compareAndSet(id(4), bytes("k"), Expectation.absent(), bytes("b"))));

        assertEquals(OpOutcome.deleted(1), applied.outcomes().get(0));
        assertEquals(
                new OpOutcome(false, 0, false, false, ByteString.EMPTY, OpOutcome.Refusal.NONE),
                applied.outcomes().get(1));
        // The delete consumed version 2 and the failed compare-and-set nothing.
        assertEquals(OpOutcome.written(3), applied.outcomes().get(2));
    }

    @Test
    void outcomes_areIndexAlignedWithOps() {
        List<KvOp> ops = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ops.add(KvOp.put(id(i), bytes("k" + (i % 7)), bytes("v" + i)));
        }

        Applied applied = TabletBatch.apply(TabletContents.empty(TABLET), ops);

        for (int i = 0; i < 50; i++) {
            assertEquals(OpOutcome.written(i + 1), applied.outcomes().get(i));
        }
    }

    @Test
    void replay_returnsRecordedOutcome_andChangesNothing() {
        KvOp put = KvOp.put(id(1), bytes("k"), bytes("a"));
        TabletContents tablet = applyAll(TabletContents.empty(TABLET), put, KvOp.put(id(2), bytes("k"), bytes("b")));

        Applied replay = TabletBatch.apply(tablet, List.of(KvOp.put(id(1), bytes("k"), bytes("a"))));

        assertEquals(List.of(OpOutcome.written(1)), replay.outcomes());
        assertFalse(replay.changed());
        assertSame(tablet, replay.next());
        assertEquals(Optional.of(new StoredValue(bytes("b"), 2)), replay.next().get(bytes("k")));
    }

    @Test
    void replay_ofDeleteAndCompareAndSet_returnsRecordedOutcome() {
        KvOp cas = KvOp.compareAndSet(id(2), bytes("k"), Expectation.absent(), bytes("a"));
        KvOp delete = KvOp.delete(id(3), bytes("k"));
        TabletContents tablet =
                applyAll(TabletContents.empty(TABLET), KvOp.put(id(1), bytes("other"), bytes("x")), cas, delete);

        Applied replay = TabletBatch.apply(tablet, List.of(cas, delete));

        assertEquals(List.of(OpOutcome.written(2), OpOutcome.deleted(2)), replay.outcomes());
        assertFalse(replay.changed());
    }

    @Test
    void replay_withinOneBatch_appliesOnce() {
        KvOp put = KvOp.put(id(1), bytes("k"), bytes("a"));

        Applied applied = TabletBatch.apply(TabletContents.empty(TABLET), List.of(put, put));

        assertEquals(List.of(OpOutcome.written(1), OpOutcome.written(1)), applied.outcomes());
        assertEquals(2, applied.next().nextKeyVersion());
    }

    @Test
    void reusedRequestId_withDifferentOp_isRefused_andChangesNothing() {
        TabletContents tablet = applyAll(TabletContents.empty(TABLET), KvOp.put(id(1), bytes("k"), bytes("a")));

        Applied applied = TabletBatch.apply(
                tablet,
                List.of(
                        KvOp.put(id(1), bytes("k"), bytes("different")),
                        KvOp.put(id(1), bytes("other"), bytes("a")),
                        KvOp.delete(id(1), bytes("k")),
                        KvOp.compareAndSet(id(1), bytes("k"), Expectation.absent(), bytes("a"))));

        for (OpOutcome outcome : applied.outcomes()) {
            assertTrue(outcome.requestIdReused());
            assertFalse(outcome.succeeded());
        }
        assertFalse(applied.changed());
        assertSame(tablet, applied.next());
    }

    @Test
    void failedCompareAndSet_isNotRecorded_soARetryEvaluatesAgain() {
        KvOp cas = KvOp.compareAndSet(id(1), bytes("k"), Expectation.version(1), bytes("b"));
        Applied failed = TabletBatch.apply(TabletContents.empty(TABLET), List.of(cas));
        assertFalse(failed.outcomes().get(0).succeeded());
        assertTrue(failed.next().appliedRequests().isEmpty());

        TabletContents tablet = applyAll(failed.next(), KvOp.put(id(2), bytes("k"), bytes("a")));
        Applied retried = TabletBatch.apply(tablet, List.of(cas));

        assertEquals(List.of(OpOutcome.written(2)), retried.outcomes());
    }

    @Test
    void changed_isFalse_forReplaysAndFailedCompareAndSets_only() {
        TabletContents tablet = applyAll(TabletContents.empty(TABLET), KvOp.put(id(1), bytes("k"), bytes("a")));

        Applied noChange = TabletBatch.apply(
                tablet,
                List.of(
                        KvOp.put(id(1), bytes("k"), bytes("a")),
                        KvOp.compareAndSet(id(2), bytes("k"), Expectation.absent(), bytes("b"))));
        Applied change = TabletBatch.apply(
                tablet,
                List.of(
                        KvOp.put(id(1), bytes("k"), bytes("a")),
                        KvOp.compareAndSet(id(2), bytes("k"), Expectation.version(1), bytes("b"))));

        assertFalse(noChange.changed());
        assertTrue(change.changed());
    }

    @Test
    void window_dropsRecordsOverTheAgeBound_andRaisesTheFloorPastThem() {
        KvOp early = KvOp.put(id(1), bytes("a"), bytes("1")).issuedAt(10);
        KvOp later = KvOp.put(id(2), bytes("b"), bytes("2")).issuedAt(40);
        TabletContents tablet = TabletBatch.apply(TabletContents.empty(TABLET), List.of(early), 10)
                .next();
        tablet = TabletBatch.apply(tablet, List.of(later), 40).next();
        assertEquals(0, tablet.windowFloorTicks());

        // Written at tick 71: the record of tick 10 is 61 ticks old, over the bound of 60.
        tablet = TabletBatch.apply(
                        tablet, List.of(KvOp.put(id(3), bytes("c"), bytes("3")).issuedAt(70)), 71)
                .next();

        assertEquals(List.of(id(2), id(3)), ids(tablet));
        assertEquals(11, tablet.windowFloorTicks());
        // The forgotten request is refused, not applied again; nothing changes.
        Applied retried = TabletBatch.apply(tablet, List.of(early), 72);
        assertEquals(List.of(OpOutcome.requestTooOldOutcome()), retried.outcomes());
        assertFalse(retried.changed());
        // One still remembered replays; a request stamped at the floor was never applied, so it applies.
        assertEquals(
                List.of(OpOutcome.written(2)),
                TabletBatch.apply(tablet, List.of(later), 72).outcomes());
        Applied fresh = TabletBatch.apply(
                tablet, List.of(KvOp.put(id(4), bytes("d"), bytes("4")).issuedAt(11)), 72);
        assertEquals(List.of(OpOutcome.written(4)), fresh.outcomes());
    }

    @Test
    void window_aRecordAtExactlyTheAgeBound_stays() {
        TabletContents tablet = TabletBatch.apply(
                        TabletContents.empty(TABLET), List.of(KvOp.put(id(1), bytes("a"), bytes("1"))), 10)
                .next();
        tablet = TabletBatch.apply(
                        tablet, List.of(KvOp.put(id(2), bytes("b"), bytes("2")).issuedAt(70)), 70)
                .next();
        assertEquals(List.of(id(1), id(2)), ids(tablet));
        assertEquals(0, tablet.windowFloorTicks());
    }

    @Test
    void window_recordTick_isTheLargerOfTheWritersClockAndTheStamp() {
        TabletContents ahead = TabletBatch.apply(
                        TabletContents.empty(TABLET),
                        List.of(KvOp.put(id(1), bytes("a"), bytes("1")).issuedAt(50)),
                        45)
                .next();
        TabletContents behind = TabletBatch.apply(
                        TabletContents.empty(TABLET),
                        List.of(KvOp.put(id(1), bytes("a"), bytes("1")).issuedAt(3)),
                        45)
                .next();
        assertEquals(50, ahead.appliedRequests().get(0).getTick());
        assertEquals(45, behind.appliedRequests().get(0).getTick());
    }

    @Test
    void window_dropsItsOldestRecordsOverTheByteBound_andRaisesTheFloor() {
        TabletContents tablet = TabletContents.empty(TABLET);
        int id = 0;
        while (TabletWindow.bytes(tablet.appliedRequests()) + 10_000 < TabletWindow.BYTES_MAX
                || tablet.windowFloorTicks() == 0) {
            List<KvOp> ops = new ArrayList<>();
            for (int i = 0; i < 256; i++, id++) {
                ops.add(KvOp.put(id(id), bytes("k" + (id % 7)), bytes("v")).issuedAt(5));
            }
            tablet = TabletBatch.apply(tablet, ops, 5).next();
        }

        List<AppliedRequest> window = tablet.appliedRequests();
        assertTrue(TabletWindow.bytes(window) <= TabletWindow.BYTES_MAX);
        // The newest records are kept, in order, and one more would not have fitted.
        int first = id - window.size();
        for (int i = 0; i < window.size(); i++) {
            assertEquals(id(first + i), window.get(i).getRequestId());
        }
        AppliedRequest dropped = TabletBatch.apply(
                        TabletContents.empty(TABLET), List.of(KvOp.put(id(first - 1), bytes("x"), bytes("v"))), 5)
                .next()
                .appliedRequests()
                .get(0);
        assertTrue(TabletWindow.bytes(window) + TabletWindow.recordBytes(dropped) > TabletWindow.BYTES_MAX);
        assertEquals(6, tablet.windowFloorTicks());
        // A dropped request's retry is refused; a kept one's replays.
        KvOp forgotten = KvOp.put(id(0), bytes("k0"), bytes("v")).issuedAt(5);
        assertEquals(
                List.of(OpOutcome.requestTooOldOutcome()),
                TabletBatch.apply(tablet, List.of(forgotten), 5).outcomes());
        KvOp kept =
                KvOp.put(id(id - 1), bytes("k" + ((id - 1) % 7)), bytes("v")).issuedAt(5);
        assertFalse(TabletBatch.apply(tablet, List.of(kept), 5).changed());
    }

    @Test
    void window_aRequestIdReusedForAnotherOp_isRefusedEvenBelowTheFloor() {
        TabletContents tablet = TabletBatch.apply(
                        TabletContents.empty(TABLET), List.of(KvOp.put(id(1), bytes("a"), bytes("1"))), 100)
                .next();
        KvOp other = KvOp.put(id(1), bytes("a"), bytes("other"));
        assertEquals(
                List.of(OpOutcome.requestIdReusedOutcome()),
                TabletBatch.apply(tablet, List.of(other), 100).outcomes());
    }

    private static List<ByteString> ids(TabletContents tablet) {
        return tablet.appliedRequests().stream()
                .map(AppliedRequest::getRequestId)
                .toList();
    }

    @Test
    void apply_doesNotChangeTheBase() {
        TabletContents base = applyAll(TabletContents.empty(TABLET), KvOp.put(id(1), bytes("k"), bytes("a")));
        byte[] before = base.serialize();

        TabletBatch.apply(base, List.of(KvOp.put(id(2), bytes("k"), bytes("b")), KvOp.delete(id(3), bytes("k"))));

        assertEquals(ByteString.copyFrom(before), ByteString.copyFrom(base.serialize()));
    }

    @Test
    void apply_isDeterministic() {
        List<KvOp> ops = List.of(
                KvOp.put(id(1), bytes("b"), bytes("1")),
                KvOp.put(id(2), bytes("a"), bytes("2")),
                KvOp.delete(id(3), bytes("b")),
                KvOp.compareAndSet(id(4), bytes("a"), Expectation.value(bytes("2")), bytes("3")));

        byte[] first =
                TabletBatch.apply(TabletContents.empty(TABLET), ops).next().serialize();
        byte[] second =
                TabletBatch.apply(TabletContents.empty(TABLET), ops).next().serialize();

        assertEquals(ByteString.copyFrom(first), ByteString.copyFrom(second));
    }

    @Test
    void emptyBatch_changesNothing() {
        TabletContents base = TabletContents.empty(TABLET);

        Applied applied = TabletBatch.apply(base, List.of());

        assertFalse(applied.changed());
        assertTrue(applied.outcomes().isEmpty());
        assertSame(base, applied.next());
    }

    @Test
    void apply_refusesNullOps() {
        List<KvOp> ops = new ArrayList<>();
        ops.add(null);
        assertThrows(NullPointerException.class, () -> TabletBatch.apply(TabletContents.empty(TABLET), ops));
    }
}
