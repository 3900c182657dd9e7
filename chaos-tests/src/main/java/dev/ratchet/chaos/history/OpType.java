package dev.ratchet.chaos.history;

/**
 * What a history line records: an operation's start, or how it ended.
 *
 * <p>As in Jepsen: {@link #OK} took effect and its outputs are known; {@link #FAIL} certainly took
 * no effect; {@link #INFO} may or may not have taken effect (a timeout, an unknown outcome).
 */
public enum OpType {
    INVOKE,
    OK,
    FAIL,
    INFO
}
