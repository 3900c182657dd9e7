package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.ratchet.cache.proto.AppliedRequest;
import dev.ratchet.cache.proto.Entry;
import dev.ratchet.cache.proto.TabletDeltaPlaintext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The changes one committed version made to a tablet: the entries it wrote, the keys it deleted,
 * the requests it applied, the next key version after it, and the store tick it was applied at
 * (against which the window's age bound is taken, {@link TabletWindow}). A delta blob holds one
 * (sealed as {@link TabletSeal.Kind#DELTA}); the tablet at a version is its base with every delta
 * up to that version applied in order ({@link #applyTo}).
 *
 * <p>Writer and reader share {@link #applyTo}: a batch's next contents are its delta applied to the
 * base ({@link TabletBatch}), so what a cache node keeps after a commit is exactly what any node
 * gets by reading the base and the deltas back from the array.
 *
 * <p>Canonical like {@link TabletContents}: {@link #parse} accepts only what {@link #serialize}
 * writes. Immutable.
 */
final class TabletDelta {
    /** The delta format this code writes and the only one it reads. */
    static final int FORMAT_VERSION = 1;

    private final TabletDeltaPlaintext plaintext;

    private TabletDelta(TabletDeltaPlaintext plaintext) {
        this.plaintext = plaintext;
    }

    /**
     * Builds a checked delta; {@code puts} and {@code deletes} must be in key order and disjoint,
     * {@code applied} oldest first. Throws {@link IllegalStateException} if they break the format,
     * because only a bug in this package can make them.
     */
    static TabletDelta of(
            long tabletId,
            long nextKeyVersion,
            List<Entry> puts,
            List<ByteString> deletes,
            List<AppliedRequest> applied) {
        return of(tabletId, nextKeyVersion, puts, deletes, applied, 0);
    }

    /** As {@link #of(long, long, List, List, List)}, applied at store tick {@code nowTicks}. */
    static TabletDelta of(
            long tabletId,
            long nextKeyVersion,
            List<Entry> puts,
            List<ByteString> deletes,
            List<AppliedRequest> applied,
            long nowTicks) {
        TabletDeltaPlaintext plaintext = TabletDeltaPlaintext.newBuilder()
                .setFormatVersion(FORMAT_VERSION)
                .setTabletId(tabletId)
                .addAllPuts(puts)
                .addAllDeletes(deletes)
                .addAllAppliedRequests(applied)
                .setNextKeyVersion(nextKeyVersion)
                .setNowTick(nowTicks)
                .build();
        try {
            check(plaintext, tabletId);
        } catch (CorruptTabletException e) {
            throw new IllegalStateException("built an invalid delta: " + e.getMessage(), e);
        }
        return new TabletDelta(plaintext);
    }

    /**
     * Parses and checks a delta plaintext (as returned by {@link TabletSeal#open} for a delta).
     *
     * @throws CorruptTabletException if the bytes do not parse, are not canonical, belong to
     *     another tablet or break the format
     */
    static TabletDelta parse(byte[] bytes, long expectedTabletId) throws CorruptTabletException {
        TabletDeltaPlaintext parsed;
        try {
            parsed = TabletDeltaPlaintext.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new CorruptTabletException("delta plaintext does not parse: " + e.getMessage(), e);
        }
        check(parsed, expectedTabletId);
        if (!Arrays.equals(parsed.toByteArray(), bytes)) {
            throw new CorruptTabletException("delta plaintext is not in canonical encoding");
        }
        return new TabletDelta(parsed);
    }

    /** Returns the canonical plaintext bytes, ready for {@link TabletSeal#seal}. */
    byte[] serialize() {
        return plaintext.toByteArray();
    }

    /** Returns the length of {@link #serialize()}; memoized by protobuf. */
    long plaintextBytes() {
        return plaintext.getSerializedSize();
    }

    /** Returns the number of keys written or deleted. */
    int changedKeyCount() {
        return plaintext.getPutsCount() + plaintext.getDeletesCount();
    }

    /**
     * Returns {@code base} with this delta applied: the puts replace or add entries, the deletes
     * remove them, the applied requests join the window (which then drops its oldest records by age
     * and bytes and raises its floor past them, {@link TabletWindow#bound}), and the next key
     * version moves up.
     *
     * @throws CorruptTabletException if the delta does not fit the base: another tablet, a next key
     *     version not above the base's, a put older than the base's next key version, a delete of
     *     a key the base does not hold, or a result that breaks the tablet format
     */
    TabletContents applyTo(TabletContents base) throws CorruptTabletException {
        long tabletId = plaintext.getTabletId();
        if (base.tabletId() != tabletId) {
            throw new CorruptTabletException("delta of tablet " + Long.toUnsignedString(tabletId)
                    + " applied to tablet " + Long.toUnsignedString(base.tabletId()));
        }
        long next = plaintext.getNextKeyVersion();
        if (next <= base.nextKeyVersion()) {
            throw new CorruptTabletException(
                    "delta's next key version " + next + " is not above the base's " + base.nextKeyVersion());
        }
        List<Entry> puts = plaintext.getPutsList();
        for (int i = 0; i < puts.size(); i++) {
            if (puts.get(i).getVersion() < base.nextKeyVersion()) {
                throw new CorruptTabletException(
                        "put " + i + " has version " + puts.get(i).getVersion() + ", older than the base");
            }
        }
        TabletWindow.Bounded window = window(base);
        return TabletContents.checked(
                tabletId, next, mergedEntries(base.entries()), window.records(), window.floorTicks());
    }

    /**
     * Returns {@code base} with this delta applied, as {@link #applyTo} but without re-checking the
     * whole result: for the writer, whose delta came from {@link TabletBatch} applying ops to
     * {@code base}, so the result holds the format's invariants by construction (the randomized
     * tests check every such result against {@link #applyTo} and {@link TabletContents#parse}).
     * Re-checking every entry and window record of the tablet on every flush was a tenth of the
     * cache node's write-path CPU.
     */
    TabletContents applyWritten(TabletContents base) {
        try {
            TabletWindow.Bounded window = window(base);
            return TabletContents.unchecked(
                    plaintext.getTabletId(),
                    plaintext.getNextKeyVersion(),
                    mergedEntries(base.entries()),
                    window.records(),
                    window.floorTicks());
        } catch (CorruptTabletException e) {
            throw new IllegalStateException("a batch's delta deletes a key its base does not hold", e);
        }
    }

    // One pass over the base's sorted entries and the sorted puts and deletes.
    private List<Entry> mergedEntries(List<Entry> entries) throws CorruptTabletException {
        List<Entry> puts = plaintext.getPutsList();
        List<ByteString> deletes = plaintext.getDeletesList();
        List<Entry> merged = new ArrayList<>(entries.size() + puts.size());
        int put = 0;
        int delete = 0;
        for (Entry entry : entries) {
            ByteString key = entry.getKey();
            while (put < puts.size() && TabletContents.compareKeys(puts.get(put).getKey(), key) < 0) {
                merged.add(puts.get(put++));
            }
            if (delete < deletes.size()) {
                int order = TabletContents.compareKeys(deletes.get(delete), key);
                if (order < 0) {
                    throw new CorruptTabletException("delta deletes a key the base does not hold");
                }
                if (order == 0) {
                    delete++;
                    continue;
                }
            }
            if (put < puts.size() && TabletContents.compareKeys(puts.get(put).getKey(), key) == 0) {
                merged.add(puts.get(put++));
            } else {
                merged.add(entry);
            }
        }
        while (put < puts.size()) {
            merged.add(puts.get(put++));
        }
        if (delete < deletes.size()) {
            throw new CorruptTabletException("delta deletes a key the base does not hold");
        }
        return merged;
    }

    // The base's window and this delta's records, oldest first, bounded at this delta's tick.
    private TabletWindow.Bounded window(TabletContents base) {
        List<AppliedRequest> old = base.appliedRequests();
        List<AppliedRequest> recorded = plaintext.getAppliedRequestsList();
        List<AppliedRequest> window = new ArrayList<>(old.size() + recorded.size());
        window.addAll(old);
        window.addAll(recorded);
        return TabletWindow.bound(window, base.windowFloorTicks(), plaintext.getNowTick());
    }

    private static void check(TabletDeltaPlaintext plaintext, long expectedTabletId) throws CorruptTabletException {
        TabletContents.requireNoUnknownFields(plaintext, "delta");
        if (plaintext.getFormatVersion() != FORMAT_VERSION) {
            throw new CorruptTabletException("delta format version "
                    + Integer.toUnsignedString(plaintext.getFormatVersion()) + ", expected " + FORMAT_VERSION);
        }
        if (plaintext.getTabletId() != expectedTabletId) {
            throw new CorruptTabletException("delta of tablet " + Long.toUnsignedString(plaintext.getTabletId())
                    + ", expected " + Long.toUnsignedString(expectedTabletId));
        }
        long next = plaintext.getNextKeyVersion();
        if (next < 2) {
            // A delta consumed at least one version, and 0 is what a plaintext cut short reads as.
            throw new CorruptTabletException(
                    "delta next key version " + Long.toUnsignedString(next) + " is out of range");
        }
        TabletContents.checkEntries(plaintext.getPutsList(), next);
        List<ByteString> deletes = plaintext.getDeletesList();
        for (int i = 0; i < deletes.size(); i++) {
            if (deletes.get(i).isEmpty()) {
                throw new CorruptTabletException("delete " + i + " has an empty key");
            }
            if (i > 0 && TabletContents.compareKeys(deletes.get(i - 1), deletes.get(i)) >= 0) {
                throw new CorruptTabletException("delete " + i + " is not above the previous key");
            }
        }
        // No put or delete is possible: a batch that put a new key and then deleted it changed
        // only the window and the next key version.
        requireDisjoint(plaintext.getPutsList(), deletes);
        TabletContents.checkWindow(plaintext.getAppliedRequestsList(), next);
    }

    private static void requireDisjoint(List<Entry> puts, List<ByteString> deletes) throws CorruptTabletException {
        int put = 0;
        int delete = 0;
        while (put < puts.size() && delete < deletes.size()) {
            int order = TabletContents.compareKeys(puts.get(put).getKey(), deletes.get(delete));
            if (order == 0) {
                throw new CorruptTabletException("delta both writes and deletes one key");
            }
            if (order < 0) {
                put++;
            } else {
                delete++;
            }
        }
    }
}
