package dev.ratchet.attestation;

import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that decides whether evidence is acceptable: it runs the platform's verifier, the
 * key binding and the {@link AttestationPolicy}.
 *
 * <p>Order matters and is fixed: simulated evidence is refused before anything is parsed when the
 * policy forbids it (so a misconfigured production node never even looks at it); then the role is
 * checked against the link; then signature and chain (the platform verifier); then the binding of
 * report_data to the presented key and role; then evidence age; then debug, TCB and measurement.
 * Each failure is an {@link AttestationException} whose {@link Refusal} names the check.
 *
 * <p>Thread-safe: immutable after construction.
 */
public final class AttestationVerifier {
    private static final Logger log = LoggerFactory.getLogger(AttestationVerifier.class);

    private final AttestationPolicy policy;
    private final Map<TeePlatform, EvidenceVerifier> verifiers;

    /**
     * Creates a verifier with one {@link EvidenceVerifier} per platform it can check.
     *
     * @throws IllegalArgumentException if two verifiers claim the same platform
     */
    public AttestationVerifier(AttestationPolicy policy, List<EvidenceVerifier> platformVerifiers) {
        this.policy = Objects.requireNonNull(policy, "policy");
        Map<TeePlatform, EvidenceVerifier> byPlatform = new EnumMap<>(TeePlatform.class);
        for (EvidenceVerifier verifier : platformVerifiers) {
            EvidenceVerifier previous = byPlatform.put(verifier.platform(), verifier);
            if (previous != null) {
                throw new IllegalArgumentException("two verifiers for platform " + verifier.platform());
            }
        }
        this.verifiers = Map.copyOf(byPlatform);
    }

    /** Returns the policy this verifier applies. */
    public AttestationPolicy policy() {
        return policy;
    }

    /**
     * Verifies a peer that presented {@code spkiDer} as its key, for a link that accepts {@code
     * acceptedRoles}.
     *
     * @throws AttestationException naming the failed check; {@link Refusal#UNBOUND_KEY} if the
     *     report does not bind this key and the claimed role
     */
    public VerifiedPeer verifyPeer(Evidence evidence, byte[] spkiDer, Set<Role> acceptedRoles, Instant now)
            throws AttestationException {
        refuseSimulatedUnlessAllowed(evidence);
        if (!acceptedRoles.contains(evidence.role())) {
            throw new AttestationException(
                    Refusal.WRONG_ROLE,
                    "peer attests role " + evidence.role() + " but this link accepts only " + acceptedRoles);
        }
        VerifiedClaims claims = platformVerifier(evidence).verify(evidence, now);
        byte[] expected = IdentityBinding.reportData(evidence.role(), spkiDer);
        if (!MessageDigest.isEqual(expected, claims.reportData())) {
            throw new AttestationException(
                    Refusal.UNBOUND_KEY, "report_data does not bind the presented key for role " + evidence.role());
        }
        checkAgeAndPolicy(claims, evidence.role(), now);
        String nodeId = IdentityBinding.nodeId(spkiDer);
        if (claims.platform() == TeePlatform.SIMULATED) {
            log.warn(
                    "INSECURE: accepted SIMULATED evidence from node {} ({}); it proves nothing about a TEE",
                    nodeId,
                    evidence.role());
        }
        return new VerifiedPeer(nodeId, evidence.role(), claims);
    }

    /**
     * Verifies evidence on its own, for tools: signature, chain and policy, and report_data if
     * {@code expectedReportData} is not null.
     *
     * @throws AttestationException naming the failed check; {@link Refusal#REPORT_DATA} if
     *     report_data differs from the expectation
     */
    public VerifiedClaims verifyEvidence(Evidence evidence, byte[] expectedReportData, Instant now)
            throws AttestationException {
        refuseSimulatedUnlessAllowed(evidence);
        VerifiedClaims claims = platformVerifier(evidence).verify(evidence, now);
        if (expectedReportData != null && !MessageDigest.isEqual(expectedReportData, claims.reportData())) {
            throw new AttestationException(
                    Refusal.REPORT_DATA,
                    "report_data is " + HexFormat.of().formatHex(claims.reportData()) + ", expected "
                            + HexFormat.of().formatHex(expectedReportData));
        }
        checkAgeAndPolicy(claims, evidence.role(), now);
        if (claims.platform() == TeePlatform.SIMULATED) {
            log.warn("INSECURE: verified SIMULATED evidence; it proves nothing about a TEE");
        }
        return claims;
    }

    private void refuseSimulatedUnlessAllowed(Evidence evidence) throws AttestationException {
        if (evidence.platform() == TeePlatform.SIMULATED && !policy.simulatedAllowed()) {
            log.warn("INSECURE evidence refused: SIMULATED platform is not allowed by the policy");
            throw new AttestationException(
                    Refusal.SIMULATED_NOT_ALLOWED, "simulated evidence is refused unless the policy allows it");
        }
    }

    private EvidenceVerifier platformVerifier(Evidence evidence) throws AttestationException {
        EvidenceVerifier verifier = verifiers.get(evidence.platform());
        if (verifier == null) {
            throw new AttestationException(
                    Refusal.UNSUPPORTED_PLATFORM, "no verifier configured for platform " + evidence.platform());
        }
        return verifier;
    }

    private void checkAgeAndPolicy(VerifiedClaims claims, Role role, Instant now) throws AttestationException {
        Duration maxAge = policy.maxEvidenceAge();
        String issuedAt = claims.details().get(VerifiedClaims.ISSUED_AT);
        if (maxAge != null && issuedAt != null) {
            try {
                Instant issued = Instant.parse(issuedAt);
                if (issued.plus(maxAge).isBefore(now)) {
                    throw new AttestationException(
                            Refusal.EXPIRED, "evidence issued at " + issued + " is older than " + maxAge);
                }
            } catch (DateTimeParseException e) {
                throw new AttestationException(Refusal.MALFORMED, "unreadable evidence time " + issuedAt, e);
            }
        }
        policy.check(claims, role);
    }
}
