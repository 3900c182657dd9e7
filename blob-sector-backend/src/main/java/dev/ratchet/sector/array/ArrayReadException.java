package dev.ratchet.sector.array;

import java.util.List;

/**
 * A stripe could not be read: fewer than k of its shards were good, so the array returns no data
 * rather than wrong data.
 *
 * <p>{@link #faults()} lists every shard of the stripe that could not be used, with the reason; the
 * caller can mark dead the servers that misbehaved and rebuild, then read again.
 */
public final class ArrayReadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long sectorIndex;
    private final transient List<ShardFault> faults;

    /** Creates an exception for the stripe at {@code sectorIndex}. */
    public ArrayReadException(long sectorIndex, String reason, List<ShardFault> faults) {
        super("stripe at sector " + sectorIndex + ": " + reason + "; bad shards: " + faults);
        this.sectorIndex = sectorIndex;
        this.faults = List.copyOf(faults);
    }

    /** Returns the sector index of the stripe that could not be read. */
    public long sectorIndex() {
        return sectorIndex;
    }

    /** Returns the shards that could not be used, with reasons. */
    public List<ShardFault> faults() {
        return faults;
    }
}
