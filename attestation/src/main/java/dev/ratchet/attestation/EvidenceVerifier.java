package dev.ratchet.attestation;

import java.time.Instant;

/**
 * A checker of one platform's evidence: signature, certificate chain to a pinned root, and the
 * report's internal consistency.
 *
 * <p>A verifier establishes facts and returns them as {@link VerifiedClaims}; it makes no policy
 * decision beyond what the platform itself defines as invalid. Implementations never throw
 * anything but {@link AttestationException} for bad input, however malformed.
 */
public interface EvidenceVerifier {
    /** Returns the platform whose evidence this verifier checks. */
    TeePlatform platform();

    /**
     * Verifies {@code evidence} as of {@code now}.
     *
     * @param now the instant at which certificates must be valid
     * @throws AttestationException naming the check that failed
     */
    VerifiedClaims verify(Evidence evidence, Instant now) throws AttestationException;
}
