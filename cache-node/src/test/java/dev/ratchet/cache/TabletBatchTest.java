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

        assertEquals(List.of(new OpOutcome(false, 1, false, true, bytes("a"), false)), wrong.outcomes());
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

        assertEquals(List.of(new OpOutcome(false, 1, false, true, bytes("a"), false)), present.outcomes());
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
                new OpOutcome(false, 2, false, true, bytes("b"), false),
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
                new OpOutcome(false, 0, false, false, ByteString.EMPTY, false),
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
    void window_evictsOldestFirst_atItsBound() {
        int max = TabletContents.APPLIED_REQUESTS_MAX;
        List<KvOp> ops = new ArrayList<>();
        for (int i = 0; i < max + 3; i++) {
            ops.add(KvOp.put(id(i), bytes("k" + i), bytes("v")));
        }

        TabletContents tablet =
                TabletBatch.apply(TabletContents.empty(TABLET), ops).next();

        List<AppliedRequest> window = tablet.appliedRequests();
        assertEquals(max, window.size());
        for (int i = 0; i < max; i++) {
            assertEquals(id(i + 3), window.get(i).getRequestId());
        }
        // The evicted ids apply again (the documented cost of a bounded window)...
        Applied evicted = TabletBatch.apply(tablet, List.of(ops.get(0)));
        assertEquals(List.of(OpOutcome.written(max + 4)), evicted.outcomes());
        // ...while the oldest one still remembered replays.
        Applied kept = TabletBatch.apply(tablet, List.of(ops.get(3)));
        assertEquals(List.of(OpOutcome.written(4)), kept.outcomes());
        assertFalse(kept.changed());
    }

    @Test
    void window_evictsAcrossBatches_inApplyOrder() {
        int max = TabletContents.APPLIED_REQUESTS_MAX;
        TabletContents tablet = TabletContents.empty(TABLET);
        for (int i = 0; i < max; i++) {
            tablet = applyAll(tablet, KvOp.put(id(i), bytes("k"), bytes("v" + i)));
        }
        tablet = applyAll(tablet, KvOp.delete(id(max), bytes("k")), KvOp.put(id(max + 1), bytes("j"), bytes("x")));

        List<AppliedRequest> window = tablet.appliedRequests();
        assertEquals(max, window.size());
        assertEquals(id(2), window.get(0).getRequestId());
        assertEquals(id(max), window.get(max - 2).getRequestId());
        assertEquals(id(max + 1), window.get(max - 1).getRequestId());
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
