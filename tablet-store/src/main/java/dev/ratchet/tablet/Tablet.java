package dev.ratchet.tablet;

import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletHeader;
import dev.ratchet.tablet.proto.TabletMeta;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One tablet's metadata: an immutable value; a commit replaces it with a successor.
 *
 * @param id the tablet id, never reused
 * @param version strictly increasing per id
 * @param first the first ring position the tablet owns
 * @param last the last ring position the tablet owns (inclusive, compared unsigned)
 * @param blob the base: the whole tablet as of version {@code version - deltas.size()}
 * @param deltas the blobs committed since the base, oldest first: {@code deltas.get(i)} holds
 *     only the changes that made version {@code version - deltas.size() + i + 1}
 */
record Tablet(long id, long version, long first, long last, TabletBlob blob, List<TabletBlob> deltas) {
    /** The blob of a tablet that has never held data. */
    static final TabletBlob EMPTY_BLOB = TabletBlob.getDefaultInstance();

    Tablet {
        deltas = List.copyOf(deltas);
    }

    /** A tablet whose blob holds all of it (no deltas). */
    Tablet(long id, long version, long first, long last, TabletBlob blob) {
        this(id, version, first, last, blob, List.of());
    }

    /** Returns the base and then every delta: every blob this version needs, oldest first. */
    List<TabletBlob> blobs() {
        List<TabletBlob> all = new ArrayList<>(1 + deltas.size());
        all.add(blob);
        all.addAll(deltas);
        return all;
    }

    /** Returns this tablet's wire form. */
    TabletMeta toMeta() {
        return TabletMeta.newBuilder()
                .setTabletId(id)
                .setVersion(version)
                .setRangeFirst(first)
                .setRangeLast(last)
                .setBlob(blob)
                .addAllDeltas(deltas)
                .build();
    }

    /** Returns this tablet's identity, version and range, without the blob. */
    TabletHeader toHeader() {
        return TabletHeader.newBuilder()
                .setTabletId(id)
                .setVersion(version)
                .setRangeFirst(first)
                .setRangeLast(last)
                .build();
    }

    /**
     * Returns why {@code blob} is malformed for a {@code dataShards + parityShards} array, or null
     * if it is well formed. Whether its key epoch exists and its stripes are reserved is checked
     * against the state separately.
     */
    static String blobProblem(TabletBlob blob, int dataShards, int parityShards) {
        int stripes = blob.getStripesCount();
        if (stripes == 0) {
            boolean empty = blob.getLengthBytes() == 0
                    && blob.getNonce().isEmpty()
                    && blob.getMac().isEmpty()
                    && blob.getShardDigestsCount() == 0
                    && blob.getKeyEpoch() == 0;
            return empty ? null : "a blob without stripes must be entirely empty";
        }
        if (stripes > Limits.STRIPES_PER_TABLET_MAX) {
            return "blob has " + stripes + " stripes; the most per tablet is " + Limits.STRIPES_PER_TABLET_MAX;
        }
        long capacityBytes = (long) stripes * dataShards * Limits.SECTOR_BYTES;
        if (blob.getLengthBytes() == 0 || Long.compareUnsigned(blob.getLengthBytes(), capacityBytes) > 0) {
            return "blob length " + Long.toUnsignedString(blob.getLengthBytes()) + " is not in (0, " + capacityBytes
                    + "] for " + stripes + " stripes";
        }
        if (blob.getNonce().size() != Limits.NONCE_BYTES) {
            return "nonce has " + blob.getNonce().size() + " bytes; expected " + Limits.NONCE_BYTES;
        }
        if (blob.getMac().size() != Limits.DIGEST_BYTES) {
            return "MAC has " + blob.getMac().size() + " bytes; expected " + Limits.DIGEST_BYTES;
        }
        long digests = (long) stripes * (dataShards + parityShards);
        if (blob.getShardDigestsCount() != digests) {
            return "blob has " + blob.getShardDigestsCount() + " shard digests; expected " + digests;
        }
        for (int i = 0; i < blob.getShardDigestsCount(); i++) {
            if (blob.getShardDigests(i).size() != Limits.DIGEST_BYTES) {
                return "shard digest " + i + " has " + blob.getShardDigests(i).size() + " bytes";
            }
        }
        if (blob.getKeyEpoch() == 0) {
            return "a non-empty blob needs a key epoch";
        }
        Set<Long> seen = new HashSet<>();
        for (long stripe : blob.getStripesList()) {
            if (!seen.add(stripe)) {
                return "stripe " + Long.toUnsignedString(stripe) + " appears twice in one blob";
            }
        }
        int written = blob.getWrittenSlotNodeIdsCount();
        if (written != 0 && written != dataShards + parityShards) {
            return "blob names " + written + " written slots; expected " + (dataShards + parityShards);
        }
        for (String id : blob.getWrittenSlotNodeIdsList()) {
            if (!id.isEmpty() && !InputRules.isNodeId(id)) {
                return "a written slot's node id must be empty or 64 lowercase hex characters";
            }
        }
        return null;
    }
}
