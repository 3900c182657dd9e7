package dev.ratchet.raft;

/**
 * A deterministic application replicated by a Ratchet Raft group: the state machine that {@link
 * RaftNode} runs on every replica, in log order.
 *
 * <p><b>Determinism.</b> Every replica applies the same commands in the same order and must reach
 * the same state and the same results: no clocks, randomness, I/O or iteration over unordered
 * collections inside {@link #apply}. Values that need such inputs (a new key, a timestamp) belong
 * in the command, chosen by its submitter.
 *
 * <p><b>Threading.</b> The node calls these methods one at a time, never concurrently, so an
 * implementation needs no locking of its own.
 *
 * <p><b>Errors.</b> {@link #apply} must not throw: a bad command is an ordinary, replicated result
 * (encoded in the returned bytes), because an exception would stop the Raft server (ratis-guide
 * §3.2). An exception from {@code apply} is therefore treated as node death.
 */
public interface ReplicatedApplication {
    /**
     * Applies one committed command and returns its result, which goes back to the submitter.
     * Never throws; see the class docs.
     */
    byte[] apply(byte[] command);

    /** Answers a read-only query from the current state; must not change the state. */
    byte[] query(byte[] query);

    /** Returns the whole state, serialized; {@link #restore} of these bytes must recreate it. */
    byte[] snapshot();

    /** Replaces the whole state with a {@link #snapshot} taken on some replica. */
    void restore(byte[] snapshot);
}
