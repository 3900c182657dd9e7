package dev.ratchet.tablet;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The free-stripe allocator: which of the array's stripes are free, reserved by a cache node,
 * used by a tablet, or waiting to be trimmed.
 *
 * <p>Every stripe below the high water is in exactly one of four states; every stripe at or
 * above it has never been handed out and is free:
 *
 * <pre>
 *   free --reserve--> reserved(node) --commit--> used(tablet) --commit of a successor--> pending trim
 *                          |                                                                |
 *                          +--release / node deregistered--> pending trim --confirm--> free <+
 * </pre>
 *
 * <p>A stripe leaves a tablet or a reservation only through pending trim, and becomes free only
 * when a cache node confirms that it zeroed the stripe's sectors. Handing a stripe out before it
 * is trimmed would leave old ciphertext readable after deletion. Used stripes are not tracked
 * here: the tablets hold them, and the state's invariant check proves the four sets partition
 * {@code [0, highWater)}.
 *
 * <p><b>Trim claims</b> (ARCHITECTURE.md, "Trims"). A pending-trim stripe is trimmed only by the
 * one cache node that claimed it, and only that node's confirmation frees it. Without claims, a
 * slow trimmer that chose a stripe, then lost the race to a faster one that trimmed, confirmed
 * and saw the stripe reserved and written again, would zero a committed stripe: acknowledged
 * writes gone. With claims, a claimed stripe cannot become free behind its claimant's back. A
 * claim ends in one of two ways only: the claimant confirms, or the claimant is removed from the
 * store (deregistered, expired, evicted), when its claims go back to pending and may be claimed
 * again. The removal bumps the writer-set version, and a new claimant installs that set on
 * every sector server before it zeroes anything, so the old claimant's late zeroing is refused
 * by the servers (WRITER_NOT_AUTHORIZED): the fence is the writer set, not a timer.
 *
 * <p>Allocation is deterministic: lowest free stripe first. Not thread-safe.
 */
final class StripeAllocator {
    private final long stripeCount;
    private long highWater;
    private final TreeSet<Long> free = new TreeSet<>();
    private final TreeSet<Long> pendingTrim = new TreeSet<>();
    private final TreeMap<String, TreeSet<Long>> reservations = new TreeMap<>();
    private int reservedTotal;
    /** Pending-trim stripes claimed for trimming, by claimant; each a subset of {@link #pendingTrim}. */
    private final TreeMap<String, TreeSet<Long>> trimClaims = new TreeMap<>();
    /** The claimant of each claimed stripe: the inverse of {@link #trimClaims}. */
    private final TreeMap<Long, String> trimClaimant = new TreeMap<>();

    StripeAllocator(long stripeCount) {
        this.stripeCount = stripeCount;
    }

    long stripeCount() {
        return stripeCount;
    }

    long highWater() {
        return highWater;
    }

    /** Returns the number of stripes that can be reserved now. */
    long freeCount() {
        return free.size() + (stripeCount - highWater);
    }

    /** Returns how many stripes {@code node} holds reserved. */
    int reservedBy(String node) {
        TreeSet<Long> reserved = reservations.get(node);
        return reserved == null ? 0 : reserved.size();
    }

    /** Returns whether {@code stripe} is reserved by {@code node}. */
    boolean isReservedBy(String node, long stripe) {
        TreeSet<Long> reserved = reservations.get(node);
        return reserved != null && reserved.contains(stripe);
    }

    /** Returns whether {@code stripe} is pending trim. */
    boolean isPendingTrim(long stripe) {
        return pendingTrim.contains(stripe);
    }

    /** Reserves the {@code count} lowest free stripes for {@code node}; the caller checked there are enough. */
    List<Long> reserve(String node, int count) {
        if (count > freeCount()) {
            throw new IllegalStateException("reserving " + count + " of " + freeCount() + " free stripes");
        }
        List<Long> taken = new ArrayList<>(count);
        while (taken.size() < count && !free.isEmpty()) {
            taken.add(free.pollFirst());
        }
        while (taken.size() < count) {
            taken.add(highWater++);
        }
        reservations.computeIfAbsent(node, n -> new TreeSet<>()).addAll(taken);
        reservedTotal += count;
        return taken;
    }

    /** Moves stripes reserved by {@code node} into a tablet; the caller checked each is reserved. */
    void consume(String node, Collection<Long> stripes) {
        removeReserved(node, stripes);
    }

    /** Moves stripes reserved by {@code node} to pending trim; the caller checked each is reserved. */
    void release(String node, Collection<Long> stripes) {
        removeReserved(node, stripes);
        pendingTrim.addAll(stripes);
    }

    /** Moves every stripe {@code node} holds reserved to pending trim. */
    void releaseAll(String node) {
        TreeSet<Long> reserved = reservations.remove(node);
        if (reserved != null) {
            reservedTotal -= reserved.size();
            pendingTrim.addAll(reserved);
        }
    }

    /** Moves stripes a tablet no longer uses to pending trim. */
    void retire(Collection<Long> stripes) {
        for (long stripe : stripes) {
            if (!pendingTrim.add(stripe)) {
                throw new IllegalStateException("stripe " + stripe + " retired twice");
            }
        }
    }

    /**
     * Claims unclaimed pending-trim stripes for {@code node}, lowest first, until it holds {@code
     * count} claims or none are left; returns every stripe {@code node} holds claimed, ascending
     * (so a claim whose answer was lost is answered again by the next one).
     */
    List<Long> claimTrim(String node, int count) {
        TreeSet<Long> claimed = trimClaims.computeIfAbsent(node, n -> new TreeSet<>());
        for (long stripe : pendingTrim) {
            if (claimed.size() >= count) {
                break;
            }
            if (!trimClaimant.containsKey(stripe)) {
                claimed.add(stripe);
                trimClaimant.put(stripe, node);
            }
        }
        if (claimed.isEmpty()) {
            trimClaims.remove(node);
        }
        return List.copyOf(claimed);
    }

    /** Returns whether {@code stripe} is pending trim under a claim by {@code node}. */
    boolean isClaimedBy(String node, long stripe) {
        return node.equals(trimClaimant.get(stripe));
    }

    /** Ends every trim claim {@code node} holds; the stripes stay pending, for another claimant. */
    void dropTrimClaims(String node) {
        TreeSet<Long> claimed = trimClaims.remove(node);
        if (claimed != null) {
            claimed.forEach(trimClaimant::remove);
        }
    }

    /** Frees trimmed stripes; the caller checked each is pending trim under a claim by {@code node}. */
    void confirmTrimmed(String node, Collection<Long> stripes) {
        TreeSet<Long> claimed = trimClaims.get(node);
        for (long stripe : stripes) {
            if (claimed == null || !claimed.remove(stripe) || !pendingTrim.remove(stripe)) {
                throw new IllegalStateException("stripe " + stripe + " was not pending trim under a claim by " + node);
            }
            trimClaimant.remove(stripe);
            free.add(stripe);
        }
        if (claimed != null && claimed.isEmpty()) {
            trimClaims.remove(node);
        }
    }

    NavigableSet<Long> free() {
        return free;
    }

    NavigableSet<Long> pendingTrim() {
        return pendingTrim;
    }

    /** Returns the reservations by cache node id, each ascending. */
    Map<String, TreeSet<Long>> reservations() {
        return reservations;
    }

    int reservedTotal() {
        return reservedTotal;
    }

    /** Returns the trim claims by claimant id, each ascending. */
    Map<String, TreeSet<Long>> trimClaims() {
        return trimClaims;
    }

    /** Returns the number of claimed stripes, counted from the inverse index (for the invariant check). */
    int trimClaimedTotal() {
        return trimClaimant.size();
    }

    /**
     * Restores a state read from a snapshot.
     *
     * @throws IllegalStateException if a claimed stripe is not pending trim or is claimed twice
     */
    void restore(
            long highWater,
            Collection<Long> free,
            Collection<Long> pendingTrim,
            Map<String, List<Long>> reserved,
            Map<String, List<Long>> claims) {
        this.highWater = highWater;
        this.free.addAll(free);
        this.pendingTrim.addAll(pendingTrim);
        reserved.forEach((node, stripes) -> {
            reservations.put(node, new TreeSet<>(stripes));
            reservedTotal += stripes.size();
        });
        claims.forEach((node, stripes) -> {
            if (stripes.isEmpty()) {
                throw new IllegalStateException("empty trim claim entry for " + node);
            }
            for (long stripe : stripes) {
                if (!this.pendingTrim.contains(stripe)) {
                    throw new IllegalStateException("claimed stripe " + stripe + " is not pending trim");
                }
                String previous = trimClaimant.put(stripe, node);
                if (previous != null) {
                    throw new IllegalStateException(
                            "stripe " + stripe + " is claimed by both " + previous + " and " + node);
                }
            }
            trimClaims.put(node, new TreeSet<>(stripes));
        });
    }

    private void removeReserved(String node, Collection<Long> stripes) {
        if (stripes.isEmpty()) {
            return;
        }
        TreeSet<Long> reserved = reservations.get(node);
        for (long stripe : stripes) {
            if (reserved == null || !reserved.remove(stripe)) {
                throw new IllegalStateException("stripe " + stripe + " is not reserved by " + node);
            }
        }
        reservedTotal -= stripes.size();
        if (reserved.isEmpty()) {
            reservations.remove(node);
        }
    }
}
