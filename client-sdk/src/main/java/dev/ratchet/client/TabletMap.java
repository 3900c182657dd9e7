package dev.ratchet.client;

import dev.ratchet.client.proto.TabletRange;
import dev.ratchet.client.proto.TopologyResponse;
import java.util.Arrays;
import java.util.List;

/**
 * The tablets' ring ranges from a cache node's {@code Topology} reply, checked to partition the
 * ring, for looking up the tablet that holds a ring position.
 *
 * <p>Immutable. Ranges are inclusive and unsigned ({@code [first, last]} on 0..2^64-1), sorted,
 * gap-free and non-overlapping; a reply that is not is refused, because routing by it would be
 * guesswork.
 */
final class TabletMap {
    /** Tablets in one reply: far more than a cluster holds, small enough to search and hold. */
    static final int TABLETS_MAX = 1 << 20;

    // Each range's first position with the sign bit flipped, so a signed binary search runs in
    // unsigned order; ascending.
    private final long[] flippedFirsts;
    private final long[] tabletIds;

    private TabletMap(long[] flippedFirsts, long[] tabletIds) {
        this.flippedFirsts = flippedFirsts;
        this.tabletIds = tabletIds;
    }

    /**
     * Returns the map of a topology reply.
     *
     * @throws IllegalArgumentException if the ranges do not partition the ring in order
     */
    static TabletMap of(TopologyResponse reply) {
        List<TabletRange> tablets = reply.getTabletsList();
        if (tablets.isEmpty() || tablets.size() > TABLETS_MAX) {
            throw new IllegalArgumentException("a topology has 1.." + TABLETS_MAX + " tablets, not " + tablets.size());
        }
        long[] firsts = new long[tablets.size()];
        long[] ids = new long[tablets.size()];
        long expectedFirst = 0;
        for (int i = 0; i < tablets.size(); i++) {
            TabletRange range = tablets.get(i);
            if (range.getRangeFirst() != expectedFirst) {
                throw new IllegalArgumentException("tablet " + Long.toUnsignedString(range.getTabletId())
                        + " starts at " + Long.toUnsignedString(range.getRangeFirst()) + ", expected "
                        + Long.toUnsignedString(expectedFirst));
            }
            if (Long.compareUnsigned(range.getRangeLast(), range.getRangeFirst()) < 0) {
                throw new IllegalArgumentException(
                        "tablet " + Long.toUnsignedString(range.getTabletId()) + " ends before it starts");
            }
            boolean last = i == tablets.size() - 1;
            if (range.getRangeLast() == -1L && !last) {
                throw new IllegalArgumentException("tablets follow the one that ends at the top of the ring");
            }
            if (last && range.getRangeLast() != -1L) {
                throw new IllegalArgumentException("the last tablet ends at "
                        + Long.toUnsignedString(range.getRangeLast()) + ", not the top of the ring");
            }
            firsts[i] = range.getRangeFirst() ^ Long.MIN_VALUE;
            ids[i] = range.getTabletId();
            expectedFirst = range.getRangeLast() + 1;
        }
        return new TabletMap(firsts, ids);
    }

    /** Returns the id of the tablet whose range holds {@code position}. */
    long tabletAt(long position) {
        int index = Arrays.binarySearch(flippedFirsts, position ^ Long.MIN_VALUE);
        int tablet = index >= 0 ? index : -index - 2;
        return tabletIds[tablet];
    }

    /** Returns the number of tablets. */
    int size() {
        return tabletIds.length;
    }
}
