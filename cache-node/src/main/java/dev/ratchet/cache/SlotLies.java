package dev.ratchet.cache;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per slot, the distinct stripes about which the slot's server answered falsely within a window:
 * the evidence on which this cache node reports a server that lies.
 *
 * <p>One false shard is not enough: a timed-out write that a stalled server applies late can leave
 * one stale shard on an honest server (ARCHITECTURE.md, "Deaths"), so a server is reported only
 * once it lied about {@code stripesMax} distinct stripes within the window. Counting distinct
 * stripes, not faults, keeps one bad stripe that is read over and over from adding up; a false
 * reply to one call covering many stripes counts each of them, since the server signed each.
 *
 * <p>A pure core: the clock is passed in. Not thread-safe; {@link SlotWatch} holds it under its
 * lock.
 */
final class SlotLies {
    private final int stripesMax;
    private final long windowNanos;

    /** Per slot: sector index to when the first lie about it in the window was seen, oldest first. */
    private final List<LinkedHashMap<Long, Long>> lies;

    /**
     * @param slotCount slots in the array
     * @param stripesMax distinct stripes at which a slot's server is reported
     * @param windowNanos how long a lie counts
     */
    SlotLies(int slotCount, int stripesMax, long windowNanos) {
        if (stripesMax < 1 || windowNanos < 1) {
            throw new IllegalArgumentException("stripesMax and windowNanos must be positive");
        }
        this.stripesMax = stripesMax;
        this.windowNanos = windowNanos;
        this.lies = new ArrayList<>(slotCount);
        for (int s = 0; s < slotCount; s++) {
            lies.add(new LinkedHashMap<>());
        }
    }

    /**
     * Counts a lie about stripe {@code sectorIndex}; returns true if it is the one that brings the
     * slot to {@code stripesMax} distinct stripes (once per run: a repeat of a counted stripe, or
     * a further stripe past the threshold, returns false).
     */
    boolean lied(int slot, long sectorIndex, long nowNanos) {
        if (slot < 0 || slot >= lies.size()) {
            return false;
        }
        LinkedHashMap<Long, Long> seen = lies.get(slot);
        expire(seen, nowNanos);
        if (seen.containsKey(sectorIndex) || seen.size() >= stripesMax) {
            return false;
        }
        seen.put(sectorIndex, nowNanos);
        return seen.size() == stripesMax;
    }

    /** Returns the distinct stripes the slot's server lied about within the window. */
    int count(int slot, long nowNanos) {
        LinkedHashMap<Long, Long> seen = lies.get(slot);
        expire(seen, nowNanos);
        return seen.size();
    }

    /** Forgets the slot's lies about stripes outside {@code stripes} (no longer live, so no lie). */
    void keepOnly(int slot, Set<Long> stripes) {
        lies.get(slot).keySet().retainAll(stripes);
    }

    /** Forgets the slot's lies (its server was reported, or replaced). */
    void reset(int slot) {
        lies.get(slot).clear();
    }

    private void expire(LinkedHashMap<Long, Long> seen, long nowNanos) {
        for (Iterator<Map.Entry<Long, Long>> it = seen.entrySet().iterator(); it.hasNext(); ) {
            if (nowNanos - it.next().getValue() < windowNanos) {
                return;
            }
            it.remove();
        }
    }
}
