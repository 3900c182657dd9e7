package dev.ratchet.chaos.checker;

/** A checker's answer about a history. */
public enum Verdict {
    /** The property holds for the whole history. */
    VALID,
    /** The property is violated; the result says where. */
    INVALID,
    /** The checker ran out of its budget before it could decide: never read as VALID. */
    UNKNOWN;

    /** Returns the verdict of two parts together: any INVALID wins, then any UNKNOWN. */
    public Verdict and(Verdict other) {
        if (this == INVALID || other == INVALID) {
            return INVALID;
        }
        return this == UNKNOWN || other == UNKNOWN ? UNKNOWN : VALID;
    }
}
