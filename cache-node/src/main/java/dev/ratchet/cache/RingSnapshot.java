package dev.ratchet.cache;

import dev.ratchet.tablet.proto.TabletMeta;
import java.util.List;

/**
 * The tablets in ring order as one linearizable Ring query saw them: where to queue a key's op.
 *
 * <p>It may be stale (another cache node split or merged tablets since); every flush and read
 * re-checks the key against the tablet's current range, so a stale snapshot costs a re-route, never
 * a wrong answer.
 *
 * @param tablets ascending by {@code range_first} (unsigned); they partition the ring
 */
record RingSnapshot(List<TabletMeta> tablets) {
    RingSnapshot {
        tablets = List.copyOf(tablets);
        if (tablets.isEmpty()) {
            throw new IllegalArgumentException("a ring has at least one tablet");
        }
    }

    /** Returns the tablet whose range holds {@code position}. */
    TabletMeta tabletFor(long position) {
        int low = 0;
        int high = tablets.size() - 1;
        while (low < high) {
            int middle = (low + high + 1) >>> 1;
            if (Long.compareUnsigned(tablets.get(middle).getRangeFirst(), position) <= 0) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        TabletMeta tablet = tablets.get(low);
        if (!RingPosition.within(position, tablet.getRangeFirst(), tablet.getRangeLast())) {
            throw new IllegalStateException("the ring does not cover position " + Long.toUnsignedString(position));
        }
        return tablet;
    }

    /** Returns the tablet {@code id}, or null. */
    TabletMeta byId(long id) {
        for (TabletMeta tablet : tablets) {
            if (tablet.getTabletId() == id) {
                return tablet;
            }
        }
        return null;
    }
}
