package dev.ratchet.attestation;

import java.util.Objects;

/**
 * A peer whose evidence verified, met the policy for its role, and binds the key it presented.
 *
 * @param nodeId lowercase hex SHA-256 of the peer's SPKI DER
 * @param role the role the peer attested to
 * @param claims what its platform verifier established
 */
public record VerifiedPeer(String nodeId, Role role, VerifiedClaims claims) {
    /** Creates a verified peer. */
    public VerifiedPeer {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(claims, "claims");
    }
}
