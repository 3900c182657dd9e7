package dev.ratchet.chaos.cluster;

import java.util.List;

/**
 * The shape of a chaos cluster.
 *
 * @param tabletStores tablet-store nodes, 3 or 5
 * @param dataShards k
 * @param parityShards m: the most sector servers a nemesis may fault at once
 * @param cacheNodes cache nodes, at least 2 (several hazards need two writers)
 * @param stripes the array's size in stripes, and each sector server's in sectors
 * @param tablets tablets at bootstrap
 * @param safetyBreaks the cache nodes' deliberate safety bugs ({@code --break}), for negative
 *     controls only; empty for a real test
 * @param fakeClocks whether every process runs under libfaketime with a clock file of its own,
 *     so a clock nemesis can skew it ({@link NodeProcess#skewClock})
 */
public record ClusterSpec(
        int tabletStores,
        int dataShards,
        int parityShards,
        int cacheNodes,
        long stripes,
        int tablets,
        List<String> safetyBreaks,
        boolean fakeClocks) {
    public ClusterSpec {
        safetyBreaks = List.copyOf(safetyBreaks);
        if (tabletStores != 3 && tabletStores != 5) {
            throw new IllegalArgumentException("a chaos cluster has 3 or 5 tablet-store nodes, not " + tabletStores);
        }
        if (dataShards < 1 || parityShards < 1 || cacheNodes < 2 || stripes < 1 || tablets < 1) {
            throw new IllegalArgumentException("needs k >= 1, m >= 1, at least 2 cache nodes, stripes and tablets");
        }
    }

    /** The default: {@code tabletStores} nodes, a 2+1 array of 4096 stripes, 2 cache nodes, 4 tablets. */
    public static ClusterSpec of(int tabletStores) {
        return new ClusterSpec(tabletStores, 2, 1, 2, 4096, 4, List.of(), false);
    }

    /** Returns this shape with the cache nodes' safety broken by {@code breaks}. */
    public ClusterSpec withSafetyBreaks(List<String> breaks) {
        return new ClusterSpec(
                tabletStores, dataShards, parityShards, cacheNodes, stripes, tablets, breaks, fakeClocks);
    }

    /** Returns this shape with every process under libfaketime, for the clock nemeses. */
    public ClusterSpec withFakeClocks() {
        return new ClusterSpec(
                tabletStores, dataShards, parityShards, cacheNodes, stripes, tablets, safetyBreaks, true);
    }

    /** The most tablet-store nodes a nemesis may fault at once: a minority. */
    public int tabletStoreFaultsMax() {
        return (tabletStores - 1) / 2;
    }
}
