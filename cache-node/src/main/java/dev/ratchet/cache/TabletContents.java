package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.ratchet.cache.proto.AppliedRequest;
import dev.ratchet.cache.proto.Entry;
import dev.ratchet.cache.proto.RecordedOutcome;
import dev.ratchet.cache.proto.TabletPlaintext;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One immutable version of a tablet's plaintext: its entries (key, value, version), the next key
 * version, and the idempotency window of recently applied request ids with its floor (see {@link
 * TabletWindow}).
 *
 * <p>Changes go through {@link TabletBatch#apply}, which returns a new instance. Every instance
 * satisfies the format's invariants (checked on construction, always on, not with {@code assert}):
 * format version {@value #FORMAT_VERSION}; keys non-empty, distinct and ascending in unsigned
 * lexicographic order; every version in {@code [1, nextKeyVersion)}; distinct request ids in the
 * window, at most {@link TabletWindow#BYTES_MAX} bytes of them.
 *
 * <p>Versions come from one counter per tablet, {@code nextKeyVersion}, which every successful
 * write consumes (put, compare-and-set, and a delete of an existing key), so a key's new version is
 * greater than any version that key, or any key of the tablet, had before, even across a delete.
 * Split copies the counter to both halves and merge takes the maximum, so this holds across them.
 *
 * <p>Serialization is deterministic ({@link #serialize()} of equal contents gives equal bytes) and
 * {@link #parse} accepts only the canonical encoding, so {@code parse(b).serialize()} equals
 * {@code b} for every accepted {@code b}.
 */
final class TabletContents {
    /** The plaintext format this code writes and the only one it reads. */
    static final int FORMAT_VERSION = 1;

    /** Length of {@link KvOp#sha256()} as stored in the window. */
    static final int OP_SHA256_BYTES = 32;

    /**
     * Unsigned lexicographic key order, the order of {@code TabletPlaintext.entries}. Equal to
     * {@link ByteString#unsignedLexicographicalComparator()}, which boxes every byte it compares;
     * a tablet flush compares keys thousands of times.
     */
    static final Comparator<ByteString> KEY_ORDER = TabletContents::compareKeys;

    private final TabletPlaintext plaintext;

    private TabletContents(TabletPlaintext plaintext) {
        this.plaintext = plaintext;
    }

    /** Returns a tablet that has never held data: no entries, next key version 1, empty window. */
    static TabletContents empty(long tabletId) {
        return of(tabletId, 1, List.of(), List.of(), 0);
    }

    /**
     * Parses and checks a tablet plaintext (as returned by {@link TabletSeal#open}).
     *
     * @throws CorruptTabletException if the bytes do not parse, are not the canonical encoding,
     *     belong to another tablet, or break any invariant of the format
     */
    static TabletContents parse(byte[] plaintext, long expectedTabletId) throws CorruptTabletException {
        TabletPlaintext parsed;
        try {
            parsed = TabletPlaintext.parseFrom(plaintext);
        } catch (InvalidProtocolBufferException e) {
            throw new CorruptTabletException("tablet plaintext does not parse: " + e.getMessage(), e);
        }
        check(parsed, expectedTabletId);
        // A non-canonical encoding (reordered or repeated fields, explicit defaults) would make the
        // same contents seal to different bytes; no writer of ours produces one.
        if (!Arrays.equals(parsed.toByteArray(), plaintext)) {
            throw new CorruptTabletException("tablet plaintext is not in canonical encoding");
        }
        return new TabletContents(parsed);
    }

    /**
     * Builds checked contents from parts; entries must already be in key order and the window
     * oldest first. Throws {@link IllegalStateException} if they break an invariant, because only
     * a bug in this package can make them.
     */
    static TabletContents of(
            long tabletId,
            long nextKeyVersion,
            Iterable<Entry> entries,
            Iterable<AppliedRequest> appliedRequests,
            long windowFloorTicks) {
        try {
            return checked(tabletId, nextKeyVersion, entries, appliedRequests, windowFloorTicks);
        } catch (CorruptTabletException e) {
            throw new IllegalStateException("built an invalid tablet: " + e.getMessage(), e);
        }
    }

    /**
     * Builds contents from parts without checking them: only for {@link TabletDelta#applyWritten},
     * whose parts hold the invariants by construction.
     */
    static TabletContents unchecked(
            long tabletId,
            long nextKeyVersion,
            Iterable<Entry> entries,
            Iterable<AppliedRequest> appliedRequests,
            long windowFloorTicks) {
        return new TabletContents(TabletPlaintext.newBuilder()
                .setFormatVersion(FORMAT_VERSION)
                .setTabletId(tabletId)
                .setNextKeyVersion(nextKeyVersion)
                .addAllEntries(entries)
                .addAllAppliedRequests(appliedRequests)
                .setWindowFloorTick(windowFloorTicks)
                .build());
    }

    /**
     * Builds contents from parts read back from the array (a base with its deltas applied),
     * checking every invariant as {@link #parse} does.
     *
     * @throws CorruptTabletException if the parts break an invariant
     */
    static TabletContents checked(
            long tabletId,
            long nextKeyVersion,
            Iterable<Entry> entries,
            Iterable<AppliedRequest> appliedRequests,
            long windowFloorTicks)
            throws CorruptTabletException {
        TabletPlaintext plaintext = TabletPlaintext.newBuilder()
                .setFormatVersion(FORMAT_VERSION)
                .setTabletId(tabletId)
                .setNextKeyVersion(nextKeyVersion)
                .addAllEntries(entries)
                .addAllAppliedRequests(appliedRequests)
                .setWindowFloorTick(windowFloorTicks)
                .build();
        check(plaintext, tabletId);
        return new TabletContents(plaintext);
    }

    /** Returns the canonical plaintext bytes, ready for {@link TabletSeal#seal}. */
    byte[] serialize() {
        return plaintext.toByteArray();
    }

    /** Returns the id of the tablet these contents belong to. */
    long tabletId() {
        return plaintext.getTabletId();
    }

    /** Returns the number of keys (TabletBlob.key_count). */
    int keyCount() {
        return plaintext.getEntriesCount();
    }

    /**
     * Returns the length of {@link #serialize()}, which is also the ciphertext length
     * (TabletBlob.plaintext_bytes); memoized by protobuf, so cheap.
     */
    long plaintextBytes() {
        return plaintext.getSerializedSize();
    }

    /** Returns the version the next successful write in this tablet will get. */
    long nextKeyVersion() {
        return plaintext.getNextKeyVersion();
    }

    /** Returns the key's current value and version, or empty if the key is absent. */
    Optional<StoredValue> get(ByteString key) {
        int index = indexOf(plaintext.getEntriesList(), key);
        if (index < 0) {
            return Optional.empty();
        }
        Entry entry = plaintext.getEntries(index);
        return Optional.of(new StoredValue(entry.getValue(), entry.getVersion()));
    }

    /** Returns the entries in ascending key order (unmodifiable). */
    List<Entry> entries() {
        return plaintext.getEntriesList();
    }

    /** Returns the idempotency window, oldest first (unmodifiable). */
    List<AppliedRequest> appliedRequests() {
        return plaintext.getAppliedRequestsList();
    }

    /** Returns the window's floor: a request not in the window and stamped below it is refused. */
    long windowFloorTicks() {
        return plaintext.getWindowFloorTick();
    }

    /** Returns whether every key's ring position lies in {@code [first, last]}. */
    boolean keysWithin(long first, long last) {
        for (Entry entry : plaintext.getEntriesList()) {
            if (!RingPosition.within(RingPosition.position(entry.getKey()), first, last)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Splits at a ring position: the left half (this tablet id) keeps the keys whose position is
     * below {@code position}, the right half ({@code rightTabletId}) gets the rest.
     *
     * <p>Both halves inherit {@code nextKeyVersion}, so versions keep growing in each. Both also
     * inherit the whole idempotency window and its floor. That is safe: a window entry only ever makes an op with
     * the same request id return the recorded outcome (same op) or be refused as a reused id
     * (different op). A retry of a recorded op goes to the half that owns its key, which has the
     * record and so does not apply it twice; in the other half the record can only match an op
     * that reuses an id already used, which is refused anyway. Dropping records instead would let a
     * retry apply twice. The window does not record keys, so it cannot be divided exactly.
     *
     * @return {@code [left, right]}
     */
    TabletContents[] splitAt(long position, long rightTabletId) {
        if (rightTabletId == tabletId()) {
            throw new IllegalArgumentException("split halves need distinct ids: " + rightTabletId);
        }
        List<Entry> left = new ArrayList<>();
        List<Entry> right = new ArrayList<>();
        for (Entry entry : plaintext.getEntriesList()) {
            boolean isLeft = Long.compareUnsigned(RingPosition.position(entry.getKey()), position) < 0;
            (isLeft ? left : right).add(entry);
        }
        List<AppliedRequest> window = appliedRequests();
        long floor = windowFloorTicks();
        return new TabletContents[] {
            of(tabletId(), nextKeyVersion(), left, window, floor),
            of(rightTabletId, nextKeyVersion(), right, window, floor)
        };
    }

    /**
     * Joins two tablets into one under the left id. Their keys must be disjoint (they owned
     * adjacent ranges).
     *
     * <p>The next key version is the larger of the two, so no version is reused. The window is the
     * union of both: records are taken alternately from the newest end of each (left first),
     * skipping request ids already taken; the result is oldest first, then bounded to {@link
     * TabletWindow#BYTES_MAX} like any window. The floor is the larger of the two, raised past
     * whatever the byte bound drops, so the window invariant holds for both halves' requests. After
     * a split, both halves hold the same window, and merging them gives it back unchanged.
     */
    static TabletContents merge(TabletContents left, TabletContents right) {
        if (left.tabletId() == right.tabletId()) {
            throw new IllegalArgumentException("cannot merge tablet " + left.tabletId() + " with itself");
        }
        TabletWindow.Bounded window = TabletWindow.bound(
                mergeWindows(left.appliedRequests(), right.appliedRequests()),
                Math.max(left.windowFloorTicks(), right.windowFloorTicks()),
                0);
        return of(
                left.tabletId(),
                Math.max(left.nextKeyVersion(), right.nextKeyVersion()),
                mergeEntries(left.entries(), right.entries()),
                window.records(),
                window.floorTicks());
    }

    private static List<Entry> mergeEntries(List<Entry> left, List<Entry> right) {
        List<Entry> merged = new ArrayList<>(left.size() + right.size());
        int i = 0;
        int j = 0;
        while (i < left.size() || j < right.size()) {
            if (j == right.size()) {
                merged.add(left.get(i++));
            } else if (i == left.size()) {
                merged.add(right.get(j++));
            } else {
                int order = KEY_ORDER.compare(left.get(i).getKey(), right.get(j).getKey());
                if (order == 0) {
                    throw new IllegalArgumentException("both tablets hold the same key; they overlap");
                }
                merged.add(order < 0 ? left.get(i++) : right.get(j++));
            }
        }
        return merged;
    }

    private static List<AppliedRequest> mergeWindows(List<AppliedRequest> left, List<AppliedRequest> right) {
        Deque<AppliedRequest> newestFirst = new ArrayDeque<>();
        Set<ByteString> taken = new HashSet<>();
        int i = left.size() - 1;
        int j = right.size() - 1;
        while (i >= 0 || j >= 0) {
            if (i >= 0) {
                take(left.get(i--), newestFirst, taken);
            }
            if (j >= 0) {
                take(right.get(j--), newestFirst, taken);
            }
        }
        List<AppliedRequest> oldestFirst = new ArrayList<>(newestFirst);
        Collections.reverse(oldestFirst);
        return oldestFirst;
    }

    private static void take(AppliedRequest record, Deque<AppliedRequest> newestFirst, Set<ByteString> taken) {
        // An id in both windows is a split's copy (identical) or a client reusing an id across
        // tablets; keeping the left one refuses the other as reused, which is what it is.
        if (taken.add(record.getRequestId())) {
            newestFirst.addLast(record);
        }
    }

    /**
     * Returns the upper median of the keys' distinct ring positions.
     *
     * @throws IllegalStateException if the tablet is empty
     */
    long medianPosition() {
        long[] positions = distinctPositions();
        if (positions.length == 0) {
            throw new IllegalStateException("tablet " + tabletId() + " is empty; it has no median");
        }
        return positions[positions.length / 2];
    }

    /**
     * Chooses where to split a tablet that owns {@code [first, last]}: the upper median of the
     * keys' distinct positions, which is strictly inside {@code (first, last]} and leaves at least
     * one key in each half. Empty when the keys have fewer than two distinct positions (no split
     * can separate them).
     *
     * @throws IllegalStateException if some key lies outside {@code [first, last]}
     */
    OptionalLong splitPosition(long first, long last) {
        long[] positions = distinctPositions();
        for (long position : positions) {
            if (!RingPosition.within(position, first, last)) {
                throw new IllegalStateException("tablet " + tabletId() + " holds a key at "
                        + Long.toUnsignedString(position) + ", outside its range ["
                        + Long.toUnsignedString(first) + ", " + Long.toUnsignedString(last) + "]");
            }
        }
        if (positions.length < 2) {
            return OptionalLong.empty();
        }
        // Index >= 1 and positions are distinct, so the result is above positions[0] >= first.
        return OptionalLong.of(positions[positions.length / 2]);
    }

    private long[] distinctPositions() {
        return plaintext.getEntriesList().stream()
                .mapToLong(entry -> RingPosition.position(entry.getKey()))
                .boxed()
                .sorted(Long::compareUnsigned)
                .distinct()
                .mapToLong(Long::longValue)
                .toArray();
    }

    static int compareKeys(ByteString left, ByteString right) {
        int common = Math.min(left.size(), right.size());
        for (int i = 0; i < common; i++) {
            int order = Integer.compare(left.byteAt(i) & 0xff, right.byteAt(i) & 0xff);
            if (order != 0) {
                return order;
            }
        }
        return Integer.compare(left.size(), right.size());
    }

    /** Returns the index of {@code key} in {@code entries}, or a negative number. */
    static int indexOf(List<Entry> entries, ByteString key) {
        int low = 0;
        int high = entries.size() - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            int order = KEY_ORDER.compare(entries.get(middle).getKey(), key);
            if (order < 0) {
                low = middle + 1;
            } else if (order > 0) {
                high = middle - 1;
            } else {
                return middle;
            }
        }
        return -(low + 1);
    }

    private static void check(TabletPlaintext plaintext, long expectedTabletId) throws CorruptTabletException {
        requireNoUnknownFields(plaintext, "tablet");
        if (plaintext.getFormatVersion() != FORMAT_VERSION) {
            throw new CorruptTabletException("format version " + Integer.toUnsignedString(plaintext.getFormatVersion())
                    + ", expected " + FORMAT_VERSION);
        }
        if (plaintext.getTabletId() != expectedTabletId) {
            throw new CorruptTabletException("tablet id " + Long.toUnsignedString(plaintext.getTabletId())
                    + ", expected " + Long.toUnsignedString(expectedTabletId));
        }
        long next = plaintext.getNextKeyVersion();
        // Signed: the counter never gets near 2^63, so a value there is corruption. Zero is also
        // what a plaintext cut before its last field reads as (see cache.proto).
        if (next < 1) {
            throw new CorruptTabletException("next key version " + Long.toUnsignedString(next) + " is out of range");
        }
        checkEntries(plaintext.getEntriesList(), next);
        checkWindow(plaintext.getAppliedRequestsList(), next);
    }

    static void checkEntries(List<Entry> entries, long next) throws CorruptTabletException {
        ByteString previous = null;
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            requireNoUnknownFields(entry, "entry " + i);
            if (entry.getKey().isEmpty()) {
                throw new CorruptTabletException("entry " + i + " has an empty key");
            }
            if (previous != null && KEY_ORDER.compare(previous, entry.getKey()) >= 0) {
                throw new CorruptTabletException(
                        "entry " + i + " is not above the previous key (unsorted or duplicate)");
            }
            requireVersion(entry.getVersion(), next, "entry " + i);
            previous = entry.getKey();
        }
    }

    static void checkWindow(List<AppliedRequest> window, long next) throws CorruptTabletException {
        long bytes = TabletWindow.bytes(window);
        if (bytes > TabletWindow.BYTES_MAX) {
            throw new CorruptTabletException(
                    "idempotency window holds " + bytes + " bytes of requests, over " + TabletWindow.BYTES_MAX);
        }
        Set<ByteString> seen = new HashSet<>();
        for (int i = 0; i < window.size(); i++) {
            AppliedRequest record = window.get(i);
            String what = "applied request " + i;
            requireNoUnknownFields(record, what);
            int idBytes = record.getRequestId().size();
            if (idBytes == 0 || idBytes > KvOp.REQUEST_ID_BYTES_MAX) {
                throw new CorruptTabletException(what + " has a request id of " + idBytes + " bytes");
            }
            if (!seen.add(record.getRequestId())) {
                throw new CorruptTabletException(what + " repeats a request id");
            }
            if (record.getOpSha256().size() != OP_SHA256_BYTES) {
                throw new CorruptTabletException(
                        what + " has an op hash of " + record.getOpSha256().size() + " bytes");
            }
            if (!record.hasOutcome()) {
                throw new CorruptTabletException(what + " has no outcome");
            }
            RecordedOutcome outcome = record.getOutcome();
            requireNoUnknownFields(outcome, what + " outcome");
            requireVersion(outcome.getVersion(), next, what);
        }
    }

    static void requireVersion(long version, long next, String what) throws CorruptTabletException {
        if (version < 1 || version >= next) {
            throw new CorruptTabletException(
                    what + " has version " + Long.toUnsignedString(version) + ", outside [1, " + next + ")");
        }
    }

    static void requireNoUnknownFields(Message message, String what) throws CorruptTabletException {
        if (!message.getUnknownFields().asMap().isEmpty()) {
            throw new CorruptTabletException(what + " has unknown fields");
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TabletContents that && plaintext.equals(that.plaintext);
    }

    @Override
    public int hashCode() {
        return plaintext.hashCode();
    }

    @Override
    public String toString() {
        return "TabletContents{id=" + Long.toUnsignedString(tabletId()) + ", keys=" + keyCount()
                + ", nextKeyVersion=" + nextKeyVersion() + ", appliedRequests="
                + plaintext.getAppliedRequestsCount() + "}";
    }
}
