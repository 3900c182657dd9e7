package dev.ratchet.sector.array;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One slot's entry in the array's slot table; immutable, replaced whole on every state change.
 *
 * @param index the slot's position in the stripe
 * @param device the slot's server (for REBUILDING, the new server)
 * @param state the slot's state
 * @param deathRecordVersion the version of the last death record applied, 0 if none
 * @param counters the fault counts of {@code device}
 * @param beforeRebuild for REBUILDING, the DEAD entry to restore if the rebuild fails; else null
 */
record Slot(
        int index,
        SectorDevice device,
        SlotState state,
        long deathRecordVersion,
        Counters counters,
        Slot beforeRebuild) {

    /** Returns whether reads may use this slot's shards. */
    boolean readable() {
        return state == SlotState.LIVE;
    }

    /** Returns whether writes and trims must reach this slot's server. */
    boolean writable() {
        return state != SlotState.DEAD;
    }

    ArrayHealth.SlotHealth health() {
        return new ArrayHealth.SlotHealth(
                index,
                device.nodeId(),
                state,
                deathRecordVersion,
                counters.lies.get(),
                counters.unavailable.get(),
                counters.refused.get());
    }

    /** Fault counts of one server in one slot; a new server starts from zero. */
    static final class Counters {
        final AtomicLong lies = new AtomicLong();
        final AtomicLong unavailable = new AtomicLong();
        final AtomicLong refused = new AtomicLong();

        void count(ShardFault.Kind kind) {
            if (kind.isLie()) {
                lies.incrementAndGet();
            } else if (kind == ShardFault.Kind.UNAVAILABLE) {
                unavailable.incrementAndGet();
            } else if (kind == ShardFault.Kind.REFUSED) {
                refused.incrementAndGet();
            }
        }
    }
}
