package dev.ratchet.raft;

import java.io.IOException;

/**
 * A request to a Ratchet Raft group that did not get an answer within its retry budget.
 *
 * <p>Usually a leader change that outlasted the budget, and then a later retry succeeds. If it
 * keeps happening, the group may have lost its majority, and a Ratchet group never recovers from
 * that: its state lived only in the RAM of its members, so the operator starts a new cluster.
 */
public final class RaftUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Whether a command may have been committed even though no answer came back. */
    public enum Outcome {
        /** The request was a read, or never reached a server: nothing changed. */
        NOT_APPLIED,
        /** A command that may or may not have been committed; resubmit only if it is idempotent. */
        UNKNOWN
    }

    private final Outcome outcome;

    RaftUnavailableException(String what, Outcome outcome, Throwable cause) {
        super(
                what
                        + " failed: no leader answered within the retry budget. If this persists, the group"
                        + " may have lost its majority; Ratchet never recovers from that, start a new"
                        + " cluster"
                        + (outcome == Outcome.UNKNOWN ? ". The command may or may not have been applied." : "."),
                cause);
        this.outcome = outcome;
    }

    /** Returns whether the request may have changed the state. */
    public Outcome outcome() {
        return outcome;
    }
}
