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
 * is trimmed would let a late trim of the old data zero a new writer's shards, and would leave
 * old ciphertext readable after deletion. Used stripes are not tracked here: the tablets hold
 * them, and the state's invariant check proves the four sets partition {@code [0, highWater)}.
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

    /** Frees trimmed stripes; the caller checked each is pending trim. */
    void confirmTrimmed(Collection<Long> stripes) {
        for (long stripe : stripes) {
            if (!pendingTrim.remove(stripe)) {
                throw new IllegalStateException("stripe " + stripe + " was not pending trim");
            }
            free.add(stripe);
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

    /** Restores a state read from a snapshot. */
    void restore(
            long highWater, Collection<Long> free, Collection<Long> pendingTrim, Map<String, List<Long>> reserved) {
        this.highWater = highWater;
        this.free.addAll(free);
        this.pendingTrim.addAll(pendingTrim);
        reserved.forEach((node, stripes) -> {
            reservations.put(node, new TreeSet<>(stripes));
            reservedTotal += stripes.size();
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
