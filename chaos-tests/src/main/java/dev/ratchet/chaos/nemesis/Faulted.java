package dev.ratchet.chaos.nemesis;

/**
 * What a nemesis makes faulty, for the fault budget of a combination: two nemeses at once must
 * fault disjoint kinds, so that together they still leave a tablet-store majority and k sector
 * slots (each alone is built to stay inside the budget).
 */
public enum Faulted {
    /** One tablet-store node (a minority in a 3- or 5-node group), or links among them. */
    TABLET_STORE,
    /** One sector server (m allows it), or its links. */
    SECTOR_SERVER,
    /** One cache node, or its links. */
    CACHE_NODE,
    /** One process's wall clock. */
    CLOCK
}
