package dev.ratchet.client;

/**
 * The closed set of reasons a {@link RatchetClient} operation fails, each saying whether to retry
 * and whether a write's outcome is unknown.
 *
 * <p>The codes up to {@link #REQUEST_TOO_OLD} mirror kv.proto's {@code KvError}, by the same
 * name; the rest arise in the client. A code is only added when a caller can react to it differently from every other code.
 * Business outcomes (a missing key, a failed comparison) are results, never codes.
 */
public enum ErrorCode {
    /** The key is empty. Fix the call; never retry. */
    KEY_EMPTY(false, false),
    /** The key is longer than {@link Limits#KEY_BYTES_MAX}. Fix the call; never retry. */
    KEY_TOO_LARGE(false, false),
    /** The value is longer than {@link Limits#VALUE_BYTES_MAX}. Fix the call; never retry. */
    VALUE_TOO_LARGE(false, false),
    /** The cache node could not use the request (a client bug or a version mismatch). Never retry. */
    MALFORMED_REQUEST(false, false),
    /** The cache node's queue is full; nothing was applied. Retry after a backoff (the client does). */
    OVERLOADED(true, false),
    /** The cache node cannot serve now; nothing was applied. Retry elsewhere (the client does). */
    NOT_SERVING(true, false),
    /**
     * A write may or may not have been applied. A retry with the same request id settles it, exactly
     * once; the client does that until its attempts run out, and then reports this code.
     */
    OUTCOME_UNKNOWN(true, true),
    /** The cluster has no room; nothing was applied. Retry only after deleting data. */
    STORAGE_FULL(false, false),
    /** This client's attested role may not make this call. Never retry. */
    WRONG_ROLE(false, false),
    /**
     * The cluster cannot read the data back correctly (more damage than the erasure code corrects)
     * and refuses to return a wrong or old value. Never retry; call the operator.
     */
    UNREADABLE(false, false),
    /** The request id was already used for a different operation (a client bug). Never retry. */
    REQUEST_ID_REUSED(false, false),
    /**
     * An operator's rebuild cannot start in the cluster's current state (the slot is not DEAD, the
     * new server cannot take it, or a rebuild of it is running). Nothing changed; not retried.
     */
    REBUILD_REFUSED(false, false),
    /**
     * The write's retry came later than its tablet's idempotency window reaches (about 120 s of
     * store time, less on a tablet written very fast), and nothing was applied by any attempt: the
     * client renews the stamp and tries again when the store clock moved, and reports this code
     * only when it did not. When an earlier attempt may have landed, the client reports {@link
     * #OUTCOME_UNKNOWN} instead, because the cluster can no longer tell. Not retried.
     */
    REQUEST_TOO_OLD(false, false),
    /**
     * No cache node answered: a connection or handshake failed before the request was sent, or a
     * read lost its connection. Retryable; nothing was applied (a write that may have been sent is
     * reported as {@link #OUTCOME_UNKNOWN} instead).
     */
    UNAVAILABLE(true, false),
    /** A read did not complete within the request timeout. Retryable; reads change nothing. */
    DEADLINE_EXCEEDED(true, false),
    /**
     * The cache node's attestation evidence was refused during the TLS handshake (wrong role,
     * measurement not allowed, bad chain...), so nothing was sent to it. Never retry: either this
     * client's policy is out of date or someone is impersonating a cache node.
     */
    ATTESTATION_REFUSED(false, false),
    /** The cache node broke the protocol (an undefined status, an impossible reply). Never retry. */
    INTERNAL(false, false);

    private final boolean retryable;
    private final boolean outcomeUnknown;

    ErrorCode(boolean retryable, boolean outcomeUnknown) {
        this.retryable = retryable;
        this.outcomeUnknown = outcomeUnknown;
    }

    /** Returns whether sending the same request again (same request id) may succeed. */
    public boolean retryable() {
        return retryable;
    }

    /** Returns whether a write that failed with this code may nevertheless have been applied. */
    public boolean outcomeUnknown() {
        return outcomeUnknown;
    }
}
