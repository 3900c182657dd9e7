package dev.ratchet.cache;

import dev.ratchet.tablet.proto.TabletMeta;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stripes of commits whose outcome is unknown (the answer never came), held until the tablet
 * store's state shows whether each commit took them: the ones it did not take go back to this
 * node's pool instead of staying reserved until the node deregisters.
 *
 * <p>Every commit this node submits is a compare-and-set on the versions of the tablets it
 * names (a tablet commit, a split, a merge), so it applies only while each of those tablets is
 * still at its expected version. Once any of them is at another version, or retired, the commit
 * can never apply any more, however late its entry arrives or is retried (the request id
 * changes nothing: it only prevents a second application). From then on its stripes are settled:
 * those the store still lists as reserved by this node were not taken, because a commit that
 * applied would have consumed them, and nothing else of this node can consume them (they are in
 * no pool); those it no longer lists belong to a committed version, or were released with the
 * node's other reservations. Until then they are held, which is bounded by the tablets this node
 * writes: the next commit to such a tablet, by any node, settles them.
 *
 * <p>A pure core: the store's state is passed in. Thread-safe.
 */
final class UnsettledCommits {
    /** A tablet a commit named, at the version the commit expected it at. */
    record Guard(long tabletId, long expectedVersion) {}

    private record Unsettled(List<Guard> guards, long[] stripes) {}

    /** Guarded by {@code this}. */
    private final List<Unsettled> unsettled = new ArrayList<>();

    /** Holds {@code stripes}, written for a commit naming {@code guards} whose outcome is unknown. */
    synchronized void hold(long[] stripes, List<Guard> guards) {
        if (guards.isEmpty()) {
            throw new IllegalArgumentException("a commit names at least one tablet");
        }
        if (stripes.length > 0) {
            unsettled.add(new Unsettled(List.copyOf(guards), stripes.clone()));
        }
    }

    /** Returns the ids of the tablets whose versions would settle held stripes. */
    synchronized Set<Long> tabletIds() {
        Set<Long> ids = new HashSet<>();
        for (Unsettled commit : unsettled) {
            commit.guards().forEach(guard -> ids.add(guard.tabletId()));
        }
        return ids;
    }

    /** Returns how many stripes are held. */
    synchronized int stripeCount() {
        int count = 0;
        for (Unsettled commit : unsettled) {
            count += commit.stripes().length;
        }
        return count;
    }

    /**
     * Settles every held commit that can no longer apply and returns its stripes that the commit
     * did not take, to be given back to the pool.
     *
     * @param tablets the current metadata of (at least) {@link #tabletIds}, read after the commits
     *     were held; a tablet missing from it is retired
     * @param reservedByThisNode the stripes the store lists as reserved by this node, read after
     *     {@code tablets}
     */
    synchronized List<Long> settle(Map<Long, TabletMeta> tablets, Set<Long> reservedByThisNode) {
        List<Long> notTaken = new ArrayList<>();
        for (Iterator<Unsettled> it = unsettled.iterator(); it.hasNext(); ) {
            Unsettled commit = it.next();
            if (!canNoLongerApply(commit, tablets)) {
                continue;
            }
            it.remove();
            for (long stripe : commit.stripes()) {
                if (reservedByThisNode.contains(stripe)) {
                    notTaken.add(stripe);
                }
            }
        }
        return notTaken;
    }

    private static boolean canNoLongerApply(Unsettled commit, Map<Long, TabletMeta> tablets) {
        for (Guard guard : commit.guards()) {
            TabletMeta current = tablets.get(guard.tabletId());
            if (current == null || current.getVersion() != guard.expectedVersion()) {
                return true;
            }
        }
        return false;
    }
}
