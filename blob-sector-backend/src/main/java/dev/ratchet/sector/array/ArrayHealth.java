package dev.ratchet.sector.array;

import java.util.List;

/**
 * A snapshot of the array's slots.
 *
 * @param slots one entry per slot, in slot order
 */
public record ArrayHealth(List<SlotHealth> slots) {
    /** Creates the snapshot. */
    public ArrayHealth {
        slots = List.copyOf(slots);
    }

    /** Returns whether some slot is not LIVE, so stripes have less redundancy than the code gives. */
    public boolean degraded() {
        return slots.stream().anyMatch(slot -> slot.state() != SlotState.LIVE);
    }

    /** Returns the number of LIVE slots. */
    public int liveSlotCount() {
        return (int)
                slots.stream().filter(slot -> slot.state() == SlotState.LIVE).count();
    }

    /**
     * The state of one slot and how its current server has behaved.
     *
     * @param slot the slot
     * @param nodeId the node id of the slot's server (for REBUILDING, the new one)
     * @param state the slot's state
     * @param deathRecordVersion the version of the last death record applied to the slot, 0 if none
     * @param lieCount shards from this server that were false: BAD_PROOF, MALFORMED_REPLY or
     *     DIGEST_MISMATCH
     * @param unavailableCount shards this server did not deliver in time
     * @param refusedCount shards this server refused with a documented error
     */
    public record SlotHealth(
            int slot,
            String nodeId,
            SlotState state,
            long deathRecordVersion,
            long lieCount,
            long unavailableCount,
            long refusedCount) {}
}
