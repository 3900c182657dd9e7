package dev.ratchet.attestation;

/**
 * A source of evidence from the TEE this process runs in.
 *
 * <p>One implementation per platform; each lives in its own package, so adding a platform needs
 * no change here.
 */
public interface EvidenceProvider {
    /** Returns the platform whose evidence this provider makes. */
    TeePlatform platform();

    /**
     * Asks the TEE for a report carrying {@code reportData} and returns it with its endorsements.
     *
     * @param role the role this process runs as; recorded in the evidence
     * @param reportData exactly {@link IdentityBinding#REPORT_DATA_BYTES} bytes
     * @throws AttestationException if the platform cannot produce a report
     */
    Evidence attest(Role role, byte[] reportData) throws AttestationException;
}
