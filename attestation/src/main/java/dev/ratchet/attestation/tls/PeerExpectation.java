package dev.ratchet.attestation.tls;

import java.util.Optional;

/**
 * What node id the dialling side expects at an address, from its own view of the cluster.
 *
 * <p>Threat: a host that points a known address at a different, equally attested node (say a
 * fresh node reusing a dead member's address) to splice it into a Raft group or an array slot.
 * Attestation proves the peer runs the right code, not that it is the member we meant to reach;
 * comparing its node id (the hash of its attested key) with the one we expect does.
 */
@FunctionalInterface
public interface PeerExpectation {
    /**
     * Returns the node id expected at {@code host:port}, or empty to accept any attested node of
     * the right role. {@code host} may be null when the TLS stack does not reveal the target.
     */
    Optional<String> expectedNodeId(String host, int port);

    /** Returns an expectation that accepts any attested node. */
    static PeerExpectation any() {
        return (host, port) -> Optional.empty();
    }

    /** Returns an expectation of one node id whatever the address. */
    static PeerExpectation exactly(String nodeId) {
        return (host, port) -> Optional.of(nodeId);
    }
}
