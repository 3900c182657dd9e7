package dev.ratchet.sector.array;

import java.util.List;

/**
 * A write, trim or rebuild did not reach every server it must reach, or too few slots are live to
 * write at all.
 *
 * <p>Nothing is committed by a failed write: the caller (the cache node) commits a blob's location
 * to the tablet store only after {@link SectorArray#write} succeeds, so a failure leaves only unused
 * sectors. The caller marks dead the slots named in {@link #faults()} and retries on fresh stripes.
 */
public final class ArrayWriteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<ShardFault> faults;

    /** Creates an exception. */
    public ArrayWriteException(String reason, List<ShardFault> faults) {
        super(reason + ": " + faults);
        this.faults = List.copyOf(faults);
    }

    /** Returns the slots that failed or, when too few slots are live, the slots that are not. */
    public List<ShardFault> faults() {
        return faults;
    }
}
