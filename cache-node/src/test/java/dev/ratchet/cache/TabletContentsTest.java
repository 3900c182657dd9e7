package dev.ratchet.cache;

import static dev.ratchet.cache.TabletBatchTest.bytes;
import static dev.ratchet.cache.TabletBatchTest.id;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.ratchet.cache.proto.AppliedRequest;
import dev.ratchet.cache.proto.Entry;
import dev.ratchet.cache.proto.RecordedOutcome;
import dev.ratchet.cache.proto.TabletPlaintext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class TabletContentsTest {
    private static final long TABLET = 42;

    /** A tablet with a few keys, a delete and a window. */
    private static TabletContents sample() {
        return TabletBatch.apply(
                        TabletContents.empty(TABLET),
                        List.of(
                                KvOp.put(id(1), bytes("b"), bytes("2")),
                                KvOp.put(id(2), bytes("a"), bytes("1")),
                                KvOp.put(id(3), bytes("c"), bytes("3")),
                                KvOp.put(id(4), bytes("gone"), bytes("x")),
                                KvOp.delete(id(5), bytes("gone")),
                                KvOp.put(id(6), ByteString.copyFrom(new byte[] {(byte) 0xFF}), bytes("high"))))
                .next();
    }

    private static TabletPlaintext sampleProto() throws Exception {
        return TabletPlaintext.parseFrom(sample().serialize());
    }

    private static CorruptTabletException rejects(TabletPlaintext plaintext) {
        return rejects(plaintext.toByteArray(), TABLET);
    }

    private static void rejects(TabletPlaintext plaintext, String because) {
        CorruptTabletException e = rejects(plaintext);
        assertTrue(e.getMessage().contains(because), e.getMessage() + " should say " + because);
    }

    private static CorruptTabletException rejects(byte[] plaintext, long tabletId) {
        return assertThrows(CorruptTabletException.class, () -> TabletContents.parse(plaintext, tabletId));
    }

    private static TabletPlaintext withEntries(TabletPlaintext base, UnaryOperator<List<Entry>> change) {
        List<Entry> entries = change.apply(new ArrayList<>(base.getEntriesList()));
        return base.toBuilder().clearEntries().addAllEntries(entries).build();
    }

    @Test
    void empty_hasNoKeys_andNextVersionOne() {
        TabletContents empty = TabletContents.empty(TABLET);

        assertEquals(TABLET, empty.tabletId());
        assertEquals(0, empty.keyCount());
        assertEquals(1, empty.nextKeyVersion());
        assertEquals(empty.serialize().length, empty.plaintextBytes());
    }

    @Test
    void serialize_thenParse_roundTrips_byteForByte() throws Exception {
        TabletContents tablet = sample();
        byte[] bytes = tablet.serialize();

        TabletContents parsed = TabletContents.parse(bytes, TABLET);

        assertEquals(tablet, parsed);
        assertArrayEquals(bytes, parsed.serialize());
        assertEquals(bytes.length, parsed.plaintextBytes());
        assertEquals(4, parsed.keyCount());
        assertEquals(tablet.appliedRequests(), parsed.appliedRequests());
    }

    @Test
    void emptyTablet_roundTrips() throws Exception {
        TabletContents empty = TabletContents.empty(TABLET);

        assertEquals(empty, TabletContents.parse(empty.serialize(), TABLET));
    }

    @Test
    void entries_areInUnsignedKeyOrder() {
        List<ByteString> keys = sample().entries().stream().map(Entry::getKey).toList();

        assertEquals(List.of(bytes("a"), bytes("b"), bytes("c"), ByteString.copyFrom(new byte[] {(byte) 0xFF})), keys);
    }

    @Test
    void parse_rejectsTruncatedBytes_atEveryLength() {
        byte[] bytes = sample().serialize();
        for (int length = 0; length < bytes.length; length++) {
            byte[] truncated = Arrays.copyOf(bytes, length);
            assertThrows(
                    CorruptTabletException.class,
                    () -> TabletContents.parse(truncated, TABLET),
                    "truncated to " + length);
        }
    }

    @Test
    void parse_rejectsGarbage() {
        rejects(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}, TABLET);
    }

    @Test
    void parse_rejectsWrongTabletId() {
        CorruptTabletException e = rejects(sample().serialize(), TABLET + 1);
        assertTrue(e.getMessage().contains("tablet id"), e.getMessage());
    }

    @Test
    void parse_rejectsOtherFormatVersions() throws Exception {
        rejects(sampleProto().toBuilder().setFormatVersion(0).build(), "format version");
        rejects(sampleProto().toBuilder().setFormatVersion(2).build(), "format version");
    }

    @Test
    void parse_rejectsAPlaintextCutAtEveryFieldBoundary() throws Exception {
        TabletPlaintext proto = sampleProto();
        for (int keep = 0; keep <= proto.getEntriesCount(); keep++) {
            TabletPlaintext cut = proto.toBuilder()
                    .clearEntries()
                    .addAllEntries(proto.getEntriesList().subList(0, keep))
                    .clearAppliedRequests()
                    .clearNextKeyVersion()
                    .build();
            rejects(cut, "next key version");
        }
    }

    @Test
    void parse_rejectsUnsortedKeys() throws Exception {
        CorruptTabletException e = rejects(withEntries(sampleProto(), entries -> {
            Entry first = entries.remove(0);
            entries.add(1, first);
            return entries;
        }));
        assertTrue(e.getMessage().contains("not above"), e.getMessage());
    }

    @Test
    void parse_rejectsDuplicateKeys() throws Exception {
        rejects(
                withEntries(sampleProto(), entries -> {
                    entries.add(1, entries.get(0).toBuilder().setVersion(1).build());
                    return entries;
                }),
                "not above");
    }

    @Test
    void parse_comparesKeysUnsigned() throws Exception {
        // 0xFF sorts last unsigned but first signed; putting it first must be refused.
        rejects(
                withEntries(sampleProto(), entries -> {
                    entries.add(0, entries.remove(entries.size() - 1));
                    return entries;
                }),
                "not above");
    }

    @Test
    void parse_rejectsEmptyKey() throws Exception {
        rejects(
                withEntries(sampleProto(), entries -> {
                    entries.add(
                            0,
                            Entry.newBuilder()
                                    .setValue(bytes("v"))
                                    .setVersion(1)
                                    .build());
                    return entries;
                }),
                "empty key");
    }

    @Test
    void parse_rejectsEntryVersionAtOrAboveNext() throws Exception {
        TabletPlaintext proto = sampleProto();
        long next = proto.getNextKeyVersion();

        rejects(withEntries(proto, entries -> {
            entries.set(0, entries.get(0).toBuilder().setVersion(next).build());
            return entries;
        }));
        rejects(withEntries(proto, entries -> {
            entries.set(0, entries.get(0).toBuilder().setVersion(0).build());
            return entries;
        }));
        rejects(withEntries(proto, entries -> {
            entries.set(0, entries.get(0).toBuilder().setVersion(-1).build());
            return entries;
        }));
    }

    @Test
    void parse_rejectsNextKeyVersionZeroOrAbove2To63() throws Exception {
        TabletPlaintext empty =
                TabletPlaintext.parseFrom(TabletContents.empty(TABLET).serialize());
        rejects(empty.toBuilder().setNextKeyVersion(0).build(), "next key version");
        rejects(empty.toBuilder().setNextKeyVersion(Long.MIN_VALUE).build(), "next key version");
    }

    @Test
    void parse_rejectsBadWindowRecords() throws Exception {
        TabletPlaintext proto = sampleProto();
        AppliedRequest good = proto.getAppliedRequests(0);

        rejects(withWindow(
                proto, 0, good.toBuilder().setRequestId(ByteString.EMPTY).build()));
        rejects(withWindow(
                proto,
                0,
                good.toBuilder().setRequestId(ByteString.copyFrom(new byte[65])).build()));
        rejects(withWindow(
                proto,
                0,
                good.toBuilder().setOpSha256(ByteString.copyFrom(new byte[31])).build()));
        rejects(withWindow(proto, 0, good.toBuilder().clearOutcome().build()));
        rejects(withWindow(
                proto,
                0,
                good.toBuilder()
                        .setOutcome(RecordedOutcome.newBuilder().setVersion(proto.getNextKeyVersion()))
                        .build()));
        rejects(withWindow(proto, 1, good));
    }

    private static TabletPlaintext withWindow(TabletPlaintext base, int index, AppliedRequest record) {
        return base.toBuilder().setAppliedRequests(index, record).build();
    }

    @Test
    void parse_rejectsAnOversizedWindow() throws Exception {
        TabletPlaintext.Builder builder = TabletPlaintext.newBuilder()
                .setFormatVersion(TabletContents.FORMAT_VERSION)
                .setTabletId(TABLET)
                .setNextKeyVersion(2);
        for (int i = 0; TabletWindow.bytes(builder.getAppliedRequestsList()) <= TabletWindow.BYTES_MAX; i++) {
            builder.addAppliedRequests(AppliedRequest.newBuilder()
                    .setRequestId(id(i))
                    .setOpSha256(ByteString.copyFrom(new byte[32]))
                    .setOutcome(RecordedOutcome.newBuilder().setVersion(1)));
        }
        CorruptTabletException e = rejects(builder.build());
        assertTrue(e.getMessage().contains("window"), e.getMessage());
    }

    @Test
    void parse_rejectsUnknownFields() throws Exception {
        UnknownFieldSet unknown = UnknownFieldSet.newBuilder()
                .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
                .build();
        TabletPlaintext proto = sampleProto();

        rejects(proto.toBuilder().setUnknownFields(unknown).build(), "unknown fields");
        rejects(
                withEntries(proto, entries -> {
                    entries.set(
                            0,
                            entries.get(0).toBuilder().setUnknownFields(unknown).build());
                    return entries;
                }),
                "unknown fields");
    }

    @Test
    void parse_rejectsNonCanonicalEncoding() {
        byte[] bytes = sample().serialize();
        // An explicit default field (format_version... appended as tag 1 = 1 again) re-encodes
        // differently: protobuf keeps the last value, our writer never repeats a field.
        byte[] repeated = Arrays.copyOf(bytes, bytes.length + 2);
        repeated[bytes.length] = 0x08;
        repeated[bytes.length + 1] = 0x01;

        CorruptTabletException e = rejects(repeated, TABLET);
        assertTrue(e.getMessage().contains("canonical"), e.getMessage());
    }

    @Test
    void keysWithin_checksEveryKeyPosition() {
        TabletContents tablet = sample();
        long[] positions = tablet.entries().stream()
                .mapToLong(entry -> RingPosition.position(entry.getKey()))
                .boxed()
                .sorted(Long::compareUnsigned)
                .mapToLong(Long::longValue)
                .toArray();
        long lowest = positions[0];
        long highest = positions[positions.length - 1];

        assertTrue(tablet.keysWithin(0, -1L));
        assertTrue(tablet.keysWithin(lowest, highest));
        assertFalse(tablet.keysWithin(lowest + 1, highest));
        assertFalse(tablet.keysWithin(lowest, highest - 1));
        assertTrue(TabletContents.empty(TABLET).keysWithin(5, 5));
    }

    @Test
    void keyOrderAgreesWithProtobufsUnsignedOrder() {
        java.util.Random random = new java.util.Random(42);
        java.util.Comparator<ByteString> reference = ByteString.unsignedLexicographicalComparator();
        for (int i = 0; i < 20_000; i++) {
            byte[] left = new byte[random.nextInt(6)];
            random.nextBytes(left);
            byte[] right = random.nextBoolean() ? Arrays.copyOf(left, random.nextInt(8)) : new byte[random.nextInt(6)];
            if (right.length > 0 && random.nextInt(4) == 0) {
                right[random.nextInt(right.length)] = (byte) random.nextInt(256);
            }
            ByteString a = ByteString.copyFrom(left);
            ByteString b = ByteString.copyFrom(right);
            assertEquals(
                    Integer.signum(reference.compare(a, b)),
                    Integer.signum(TabletContents.KEY_ORDER.compare(a, b)),
                    () -> a + " vs " + b);
        }
    }
}
