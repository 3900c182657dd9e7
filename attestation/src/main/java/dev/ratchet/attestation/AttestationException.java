package dev.ratchet.attestation;

import java.util.Objects;

/**
 * Evidence, or the peer presenting it, was refused.
 *
 * <p>Carries a {@link Refusal} code that names the failed check and a human-readable detail. The
 * message is {@code "<code>: <detail>"}.
 */
public final class AttestationException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Refusal refusal;

    /** Creates a refusal with the failed check and a detail that shows the offending value. */
    public AttestationException(Refusal refusal, String detail) {
        super(refusal.code() + ": " + detail);
        this.refusal = Objects.requireNonNull(refusal, "refusal");
    }

    /** Creates a refusal caused by a lower-level exception. */
    public AttestationException(Refusal refusal, String detail, Throwable cause) {
        super(refusal.code() + ": " + detail, cause);
        this.refusal = Objects.requireNonNull(refusal, "refusal");
    }

    /** Returns the check that failed. */
    public Refusal refusal() {
        return refusal;
    }
}
