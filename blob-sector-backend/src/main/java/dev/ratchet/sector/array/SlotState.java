package dev.ratchet.sector.array;

/**
 * The state of a slot of the array.
 *
 * <pre>
 *   LIVE ──markDead──▶ DEAD ──rebuild──▶ REBUILDING ──rebuild done──▶ LIVE
 *                       ▲  ◀──rebuild failed───┘
 *                       └────────markDead──────┘
 * </pre>
 */
public enum SlotState {
    /** The slot's server is read and written. */
    LIVE,
    /** The slot's server is dead for good: writes skip it and reads decode around it. */
    DEAD,
    /** A fresh server is taking the slot: it is written, but not read until its rebuild finishes. */
    REBUILDING
}
