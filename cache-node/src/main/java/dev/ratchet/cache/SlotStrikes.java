package dev.ratchet.cache;

/**
 * Per slot, the unanswered calls this cache node counted against the slot's server: the evidence
 * on which it reports a server dead, and on which it suspects its own links instead.
 *
 * <p>One unanswered call is one strike, however many stripes it covered, so a timed-out read of a
 * large tablet costs its server one strike, not one per stripe. Every answered call takes one
 * strike away, and strikes older than the window are forgotten, so a server that answers most
 * calls never strikes out. A slot is <em>failing</em> while it holds a strike.
 *
 * <p>A pure core: the clock is passed in. Not thread-safe; {@link SlotWatch} holds it under its
 * lock.
 */
final class SlotStrikes {
    private final int strikesMax;
    private final long windowNanos;
    private final int[] strikes;
    private final long[] firstStrikeNanos;

    /**
     * @param slotCount slots in the array
     * @param strikesMax strikes at which a slot is struck out
     * @param windowNanos how long strikes count, from the first of a run
     */
    SlotStrikes(int slotCount, int strikesMax, long windowNanos) {
        if (strikesMax < 1 || windowNanos < 1) {
            throw new IllegalArgumentException("strikesMax and windowNanos must be positive");
        }
        this.strikesMax = strikesMax;
        this.windowNanos = windowNanos;
        this.strikes = new int[slotCount];
        this.firstStrikeNanos = new long[slotCount];
    }

    /** Counts one unanswered call; returns true if this strike is the one that strikes the slot out. */
    boolean strike(int slot, long nowNanos) {
        if (!inRange(slot)) {
            return false;
        }
        expire(slot, nowNanos);
        if (strikes[slot] == 0) {
            firstStrikeNanos[slot] = nowNanos;
        }
        strikes[slot]++;
        return strikes[slot] == strikesMax;
    }

    /** Counts one answered call: one strike fewer. */
    void answered(int slot, long nowNanos) {
        if (!inRange(slot)) {
            return;
        }
        expire(slot, nowNanos);
        if (strikes[slot] > 0) {
            strikes[slot]--;
        }
    }

    /** Returns whether the slot holds at least {@code strikesMax} strikes. */
    boolean struckOut(int slot, long nowNanos) {
        if (!inRange(slot)) {
            return false;
        }
        expire(slot, nowNanos);
        return strikes[slot] >= strikesMax;
    }

    /** Returns how many slots hold at least one strike. */
    int failingCount(long nowNanos) {
        int failing = 0;
        for (int slot = 0; slot < strikes.length; slot++) {
            expire(slot, nowNanos);
            if (strikes[slot] > 0) {
                failing++;
            }
        }
        return failing;
    }

    /** Forgets the slot's strikes: it was reported, replaced or found answering. */
    void reset(int slot) {
        if (inRange(slot)) {
            strikes[slot] = 0;
        }
    }

    private void expire(int slot, long nowNanos) {
        if (strikes[slot] > 0 && nowNanos - firstStrikeNanos[slot] > windowNanos) {
            strikes[slot] = 0;
        }
    }

    private boolean inRange(int slot) {
        return slot >= 0 && slot < strikes.length;
    }
}
