package dev.ratchet.cache;

import dev.ratchet.tablet.proto.MergeTablets;
import dev.ratchet.tablet.proto.MergeTabletsResult;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletMeta;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges a small tablet with its right-hand neighbour on the ring, right after a commit of the
 * left one, inside that tablet's flush.
 *
 * <p>Both must be under the merge threshold (a quarter of the split threshold, so a merged tablet
 * is far from splitting again and the two never flap). The merged contents keep the left id at its
 * version + 1, sealed for that id and version; {@code MergeTablets} names both expected versions,
 * so a write to either tablet that commits first (from any node) makes the merge a version
 * conflict, and it is dropped (stripes reused) until the left tablet's next commit. Clients were
 * answered before the merge started.
 */
final class TabletMerger {
    private static final Logger log = LoggerFactory.getLogger(TabletMerger.class);

    private final TabletDirectory directory;
    private final TabletBlobs blobs;
    private final Trimmer trimmer;
    private final long mergePlaintextBytes;

    TabletMerger(TabletDirectory directory, TabletBlobs blobs, Trimmer trimmer, long mergePlaintextBytes) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.trimmer = Objects.requireNonNull(trimmer, "trimmer");
        this.mergePlaintextBytes = mergePlaintextBytes;
    }

    /** Merges {@code left} (just committed with {@code contents}) into one tablet with its right neighbour, if both are small. */
    boolean maybeMerge(TabletMeta left, TabletContents contents) {
        if (TabletSplitter.entryBytes(contents) >= mergePlaintextBytes || left.getRangeLast() == -1L) {
            return false;
        }
        try {
            return merge(left, contents);
        } catch (RuntimeException e) {
            log.info("merging tablet {} failed; the next commit retries: {}", left.getTabletId(), e.getMessage());
            return false;
        }
    }

    private boolean merge(TabletMeta left, TabletContents contents) {
        TabletMeta right = directory.ring().tabletFor(left.getRangeLast() + 1);
        if (right.getTabletId() == left.getTabletId()) {
            return false;
        }
        // The ring snapshot may be stale; the neighbour's size and version come from the store.
        right = directory.tabletsById(List.of(right.getTabletId())).get(right.getTabletId());
        if (right == null || right.getRangeFirst() != left.getRangeLast() + 1) {
            return false;
        }
        TabletContents rightContents = blobs.load(right);
        if (TabletSplitter.entryBytes(rightContents) >= mergePlaintextBytes) {
            return false;
        }
        TabletContents merged = TabletContents.merge(contents, rightContents);
        long version = left.getVersion() + 1;
        TabletBlob blob = blobs.store(merged, left.getTabletId(), version);
        Result result;
        try {
            result = directory.submit(directory
                    .command()
                    .setMergeTablets(MergeTablets.newBuilder()
                            .setCacheNodeId(directory.nodeId())
                            .setLeftTabletId(left.getTabletId())
                            .setLeftExpectedVersion(left.getVersion())
                            .setRightTabletId(right.getTabletId())
                            .setRightExpectedVersion(right.getVersion())
                            .setMergedBlob(blob))
                    .build());
        } catch (RuntimeException e) {
            blobs.holdUnsettled(
                    List.of(blob),
                    List.of(
                            new UnsettledCommits.Guard(left.getTabletId(), left.getVersion()),
                            new UnsettledCommits.Guard(right.getTabletId(), right.getVersion())));
            throw e;
        }
        MergeTabletsResult answer = result.getMergeTablets();
        if (answer.getStatus() != MergeTabletsResult.Status.OK) {
            blobs.giveBack(blob);
            if (answer.getStatus() == MergeTabletsResult.Status.ARRAY_CHANGED) {
                blobs.followArray(); // the next round writes to the servers the store has
            }
            log.info(
                    "merge of tablets {} and {} not taken: {} {}",
                    left.getTabletId(),
                    right.getTabletId(),
                    answer.getStatus(),
                    answer.getDetail());
            return false;
        }
        blobs.remember(left.getTabletId(), version, merged);
        log.info("merged tablet {} into {} (v{})", right.getTabletId(), left.getTabletId(), version);
        directory.refreshRing();
        return true;
    }
}
