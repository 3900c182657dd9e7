package dev.ratchet.cache;

import static dev.ratchet.cache.TabletBatchTest.id;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.cache.TabletBatch.Applied;
import dev.ratchet.cache.proto.AppliedRequest;
import dev.ratchet.cache.proto.Entry;
import dev.ratchet.cache.proto.TabletDeltaPlaintext;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Deltas: what a batch writes instead of the whole tablet, read back by applying them in order. */
class TabletDeltaTest {
    private static final long TABLET = 7;

    private static ByteString bytes(String text) {
        return ByteString.copyFromUtf8(text);
    }

    /** A tablet holding keys a, b, c (versions 1, 2, 3) with three window records. */
    private static TabletContents abc() {
        return TabletBatch.apply(
                        TabletContents.empty(TABLET),
                        List.of(
                                KvOp.put(id(1), bytes("a"), bytes("1")),
                                KvOp.put(id(2), bytes("b"), bytes("2")),
                                KvOp.put(id(3), bytes("c"), bytes("3"))))
                .next();
    }

    @Test
    void aBatchDeltaHoldsOnlyWhatChangedAndGivesTheNextVersionBack() throws Exception {
        TabletContents base = abc();
        Applied applied = TabletBatch.apply(
                base,
                List.of(
                        KvOp.put(id(10), bytes("b"), bytes("two")),
                        KvOp.delete(id(11), bytes("c")),
                        KvOp.put(id(12), bytes("d"), bytes("4"))));

        TabletDeltaPlaintext plaintext =
                TabletDeltaPlaintext.parseFrom(applied.delta().serialize());
        assertEquals(
                List.of(bytes("b"), bytes("d")),
                plaintext.getPutsList().stream().map(Entry::getKey).toList());
        assertEquals(List.of(bytes("c")), plaintext.getDeletesList());
        assertEquals(3, plaintext.getAppliedRequestsCount());
        assertTrue(applied.delta().plaintextBytes() < base.plaintextBytes() + 64);
        TabletContents readBack =
                TabletDelta.parse(applied.delta().serialize(), TABLET).applyTo(base);
        assertEquals(applied.next(), readBack);
        assertEquals(Optional.empty(), readBack.get(bytes("c")));
        assertEquals(bytes("two"), readBack.get(bytes("b")).orElseThrow().value());
    }

    @Test
    void aKeyPutAndDeletedInOneBatchLeavesOnlyTheWindowAndCounter() throws Exception {
        TabletContents base = abc();
        Applied applied = TabletBatch.apply(
                base, List.of(KvOp.put(id(20), bytes("x"), bytes("9")), KvOp.delete(id(21), bytes("x"))));

        TabletDeltaPlaintext plaintext =
                TabletDeltaPlaintext.parseFrom(applied.delta().serialize());
        assertEquals(0, plaintext.getPutsCount());
        assertEquals(0, plaintext.getDeletesCount());
        assertEquals(2, plaintext.getAppliedRequestsCount());
        assertEquals(applied.next(), applied.delta().applyTo(base));
        assertEquals(base.nextKeyVersion() + 2, applied.next().nextKeyVersion());
    }

    @Test
    void anUnchangedBatchHasNoDelta() {
        Applied applied = TabletBatch.apply(abc(), List.of(KvOp.delete(id(30), bytes("absent"))));
        assertFalse(applied.changed());
        assertNull(applied.delta());
    }

    @Test
    void readersDropTheSameRecordsAsTheWriter_atEachDeltasTick() throws Exception {
        TabletContents tablet = TabletContents.empty(TABLET);
        int id = 0;
        for (long tick = 1; tick <= 200; tick += 7) {
            List<KvOp> ops = new ArrayList<>();
            for (int i = 0; i < 50; i++, id++) {
                ops.add(KvOp.put(id(id), bytes("k" + (id % 5)), bytes("v")).issuedAt(tick));
            }
            Applied applied = TabletBatch.apply(tablet, ops, tick);
            TabletDelta parsed = TabletDelta.parse(applied.delta().serialize(), TABLET);
            assertEquals(applied.next(), parsed.applyTo(tablet));
            tablet = applied.next();
            for (AppliedRequest record : tablet.appliedRequests()) {
                assertTrue(record.getTick() >= tick - TabletWindow.AGE_TICKS_MAX, "no record over the age bound");
            }
        }
        // The last batch was at tick 197: records of ticks below 137 are gone (134 the newest of them), the floor just
        // past.
        assertEquals(135, tablet.windowFloorTicks());
        assertEquals(
                id(id - 1),
                tablet.appliedRequests()
                        .get(tablet.appliedRequests().size() - 1)
                        .getRequestId());
    }

    @Test
    void aDeltaThatDoesNotFitItsBaseIsCorrupt() {
        TabletContents base = abc();
        long next = base.nextKeyVersion();
        Entry fresh = Entry.newBuilder()
                .setKey(bytes("z"))
                .setValue(bytes("v"))
                .setVersion(next)
                .build();
        Entry old = fresh.toBuilder().setVersion(1).build();

        assertThrows(
                CorruptTabletException.class,
                () -> TabletDelta.of(TABLET, next + 1, List.of(), List.of(bytes("absent")), List.of())
                        .applyTo(base),
                "a delete of a key the base does not hold");
        assertThrows(
                CorruptTabletException.class,
                () -> TabletDelta.of(TABLET, next + 1, List.of(old), List.of(), List.of())
                        .applyTo(base),
                "a put older than the base");
        assertThrows(
                CorruptTabletException.class,
                () -> TabletDelta.of(TABLET, next, List.of(), List.of(bytes("a")), List.of())
                        .applyTo(base),
                "no version consumed");
        assertThrows(
                CorruptTabletException.class,
                () -> TabletDelta.of(TABLET + 1, next + 1, List.of(), List.of(bytes("a")), List.of())
                        .applyTo(base),
                "another tablet's delta");
        assertThrows(
                CorruptTabletException.class,
                () -> TabletDelta.of(
                                TABLET,
                                next + 1,
                                List.of(),
                                List.of(),
                                base.appliedRequests().subList(0, 1))
                        .applyTo(base),
                "a request id already in the window");
    }

    @Test
    void parseAcceptsOnlyCanonicalWellFormedDeltasOfItsTablet() throws Exception {
        TabletDelta delta = TabletBatch.apply(abc(), List.of(KvOp.put(id(40), bytes("q"), bytes("1"))))
                .delta();
        byte[] canonical = delta.serialize();
        assertArrayEquals(canonical, TabletDelta.parse(canonical, TABLET).serialize());
        assertThrows(CorruptTabletException.class, () -> TabletDelta.parse(canonical, TABLET + 1));
        assertThrows(CorruptTabletException.class, () -> TabletDelta.parse(new byte[] {(byte) 0xff}, TABLET));
        TabletDeltaPlaintext parsed = TabletDeltaPlaintext.parseFrom(canonical);
        assertThrows(
                CorruptTabletException.class,
                () -> TabletDelta.parse(
                        parsed.toBuilder().setFormatVersion(2).build().toByteArray(), TABLET));
        assertThrows(
                CorruptTabletException.class,
                () -> TabletDelta.parse(
                        parsed.toBuilder().addDeletes(bytes("q")).build().toByteArray(), TABLET),
                "a key both written and deleted");
        assertThrows(
                CorruptTabletException.class,
                () -> TabletDelta.parse(
                        parsed.toBuilder().clearNextKeyVersion().build().toByteArray(), TABLET),
                "cut before its last field");
        byte[] reordered = concat(
                TabletDeltaPlaintext.newBuilder()
                        .setNextKeyVersion(parsed.getNextKeyVersion())
                        .build()
                        .toByteArray(),
                parsed.toBuilder().clearNextKeyVersion().build().toByteArray());
        assertThrows(CorruptTabletException.class, () -> TabletDelta.parse(reordered, TABLET), "not canonical");
    }

    @Test
    void aDeltaSealOpensOnlyAsADeltaAndATabletSealOnlyAsATablet() throws Exception {
        byte[] key = new byte[TabletSeal.DATA_KEY_BYTES];
        byte[] nonce = new byte[TabletSeal.NONCE_BYTES];
        byte[] plaintext = abc().serialize();
        TabletSeal.SealedTablet delta = TabletSeal.seal(TabletSeal.Kind.DELTA, key, 1, TABLET, 5, plaintext, nonce);
        TabletSeal.SealedTablet whole = TabletSeal.seal(TabletSeal.Kind.TABLET, key, 1, TABLET, 5, plaintext, nonce);

        assertArrayEquals(
                plaintext,
                TabletSeal.open(
                        TabletSeal.Kind.DELTA, key, 1, TABLET, 5, delta.ciphertext(), delta.nonce(), delta.mac()));
        assertThrows(
                TabletIntegrityException.class,
                () -> TabletSeal.open(
                        TabletSeal.Kind.TABLET, key, 1, TABLET, 5, delta.ciphertext(), delta.nonce(), delta.mac()));
        assertThrows(
                TabletIntegrityException.class,
                () -> TabletSeal.open(
                        TabletSeal.Kind.DELTA, key, 1, TABLET, 5, whole.ciphertext(), whole.nonce(), whole.mac()));
    }

    @Test
    void theWriterChoosesADeltaWhileTheDeltasStaySmallerThanTheBase() {
        TabletMeta empty = TabletMeta.newBuilder().setTabletId(TABLET).build();
        assertFalse(TabletWriter.asDelta(empty, 1), "a tablet without a base is written whole");

        TabletMeta base = TabletMeta.newBuilder()
                .setTabletId(TABLET)
                .setVersion(4)
                .setBlob(stripes(4))
                .build();
        assertTrue(TabletWriter.asDelta(base, 1));
        assertTrue(TabletWriter.asDelta(base, 4));
        assertFalse(TabletWriter.asDelta(base, 5), "a delta bigger than the base");
        TabletMeta threeDeltas = base.toBuilder()
                .addDeltas(stripes(1))
                .addDeltas(stripes(1))
                .addDeltas(stripes(1))
                .build();
        assertTrue(TabletWriter.asDelta(threeDeltas, 1));
        assertFalse(TabletWriter.asDelta(threeDeltas, 2), "deltas would outgrow the base");

        TabletMeta.Builder longChain =
                TabletMeta.newBuilder().setTabletId(TABLET).setBlob(stripes(1000));
        for (int i = 0; i < ServingLimits.DELTAS_PER_TABLET_MAX; i++) {
            longChain.addDeltas(stripes(1));
        }
        assertFalse(TabletWriter.asDelta(longChain.build(), 1), "the chain is at its limit");
    }

    private static TabletBlob stripes(int count) {
        TabletBlob.Builder blob = TabletBlob.newBuilder();
        for (int i = 0; i < count; i++) {
            blob.addStripes(i);
        }
        return blob.build();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
