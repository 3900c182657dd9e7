package dev.ratchet.cache;

import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.SplitTablet;
import dev.ratchet.tablet.proto.SplitTabletResult;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletMeta;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits a tablet whose plaintext passed the split threshold, right after a commit, inside that
 * tablet's flush (so this node's own writes to it wait, and cannot race the split).
 *
 * <p>The right half's id is the store's next tablet id, read just before; both halves are sealed
 * under their ids and versions (left: the tablet's version + 1; right: version 1), and the command
 * carries {@code expected_new_tablet_id}, so if another split took that id first the store answers
 * VERSION_CONFLICT instead of filing a blob under an id it does not authenticate as. A split that
 * fails is dropped (its stripes reused); the next commit of the tablet tries again. Clients were
 * answered before the split started, so a split never delays or fails an acknowledged write.
 */
final class TabletSplitter {
    private static final Logger log = LoggerFactory.getLogger(TabletSplitter.class);

    private final TabletDirectory directory;
    private final long splitPlaintextBytes;

    /** Set after construction: the blobs need the watch, which needs the array, built later. */
    private volatile TabletBlobs blobs;

    private volatile Trimmer trimmer;

    private volatile TabletMerger merger;

    TabletSplitter(TabletDirectory directory, long splitPlaintextBytes) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.splitPlaintextBytes = splitPlaintextBytes;
    }

    void attach(TabletBlobs tabletBlobs, Trimmer tabletTrimmer) {
        this.blobs = Objects.requireNonNull(tabletBlobs, "tabletBlobs");
        this.trimmer = Objects.requireNonNull(tabletTrimmer, "tabletTrimmer");
        this.merger = new TabletMerger(
                directory, tabletBlobs, tabletTrimmer, splitPlaintextBytes / ServingLimits.MERGE_FRACTION);
    }

    /**
     * Splits {@code tablet} (just committed with {@code contents}) if it is over the threshold,
     * or merges it with its right neighbour if both are small.
     *
     * @return whether the tablet changed shape (its metadata is no longer what was committed)
     */
    boolean maybeSplit(TabletMeta tablet, TabletContents contents) {
        if (entryBytes(contents) <= splitPlaintextBytes) {
            TabletMerger tabletMerger = merger;
            return tabletMerger != null && tabletMerger.maybeMerge(tablet, contents);
        }
        try {
            return split(tablet, contents);
        } catch (RuntimeException e) {
            log.warn("splitting tablet {} failed; the next commit retries: {}", tablet.getTabletId(), e.getMessage());
            return false;
        }
    }

    /**
     * Returns the bytes of a tablet's entries, without its idempotency window: what splitting
     * divides. Both halves of a split inherit the whole window, so a threshold on the whole
     * plaintext would split small tablets over and over once the window is large.
     */
    static long entryBytes(TabletContents contents) {
        long bytes = 0;
        for (var entry : contents.entries()) {
            bytes += entry.getSerializedSize();
        }
        return bytes;
    }

    private boolean split(TabletMeta tablet, TabletContents contents) {
        OptionalLong position = contents.splitPosition(tablet.getRangeFirst(), tablet.getRangeLast());
        if (position.isEmpty()) {
            return false; // every key at one ring position: no split can separate them
        }
        long rightId = directory.cluster().getNextTabletId();
        TabletContents[] halves = contents.splitAt(position.getAsLong(), rightId);
        long leftVersion = tablet.getVersion() + 1;
        TabletBlob left = blobs.store(halves[0], tablet.getTabletId(), leftVersion);
        TabletBlob right;
        try {
            right = blobs.store(halves[1], rightId, 1);
        } catch (RuntimeException e) {
            blobs.giveBack(left);
            throw e;
        }
        Result result;
        try {
            result = directory.submit(directory
                    .command()
                    .setSplitTablet(SplitTablet.newBuilder()
                            .setCacheNodeId(directory.nodeId())
                            .setTabletId(tablet.getTabletId())
                            .setExpectedVersion(tablet.getVersion())
                            .setSplitPosition(position.getAsLong())
                            .setLeftBlob(left)
                            .setRightBlob(right)
                            .setExpectedNewTabletId(rightId))
                    .build());
        } catch (RuntimeException e) {
            blobs.holdUnsettled(
                    List.of(left, right),
                    List.of(new UnsettledCommits.Guard(tablet.getTabletId(), tablet.getVersion())));
            throw e;
        }
        SplitTabletResult split = result.getSplitTablet();
        if (split.getStatus() != SplitTabletResult.Status.OK) {
            blobs.giveBack(left);
            blobs.giveBack(right);
            if (split.getStatus() == SplitTabletResult.Status.ARRAY_CHANGED) {
                blobs.followArray(); // the next round writes to the servers the store has
            }
            log.info("split of tablet {} not taken: {} {}", tablet.getTabletId(), split.getStatus(), split.getDetail());
            return false;
        }
        blobs.remember(tablet.getTabletId(), leftVersion, halves[0]);
        blobs.remember(rightId, 1, halves[1]);
        log.info(
                "split tablet {} at {} into {} (v{}) and {} (v1)",
                tablet.getTabletId(),
                Long.toUnsignedString(position.getAsLong()),
                tablet.getTabletId(),
                leftVersion,
                rightId);
        directory.refreshRing();
        return true;
    }
}
