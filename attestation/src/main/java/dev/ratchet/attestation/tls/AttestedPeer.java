package dev.ratchet.attestation.tls;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.IdentityBinding;
import dev.ratchet.attestation.Role;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The node id, role and key of the peer at the other end of an established attested TLS session.
 *
 * <p>Read back from the session's peer certificate, not verified again: it means something only on
 * a session whose handshake ran an {@link AttestedTrustManager}, which refuses any certificate
 * whose evidence does not verify or does not bind its key. The node id is recomputed from the key
 * ({@link IdentityBinding#nodeId}), never taken from the certificate's CN, because the CN is just
 * text the peer chose while the key is what the evidence binds and what TLS proved possession of.
 * The role comes from the evidence, whose report_data binds it.
 *
 * @param nodeId lowercase hex SHA-256 of the peer's SPKI DER
 * @param role the role the peer's evidence attests
 * @param publicKey the peer's attested key, for checking what it signs (such as signed reads)
 */
public record AttestedPeer(String nodeId, Role role, PublicKey publicKey) {
    /** Creates a peer description. */
    public AttestedPeer {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(publicKey, "publicKey");
    }

    /**
     * Returns the peer of an established session.
     *
     * @throws SSLPeerUnverifiedException if the peer presented no certificate, or one without
     *     readable evidence (the session was not made by an attested context)
     */
    public static AttestedPeer fromSession(SSLSession session) throws SSLPeerUnverifiedException {
        Certificate[] chain = session.getPeerCertificates();
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            throw new SSLPeerUnverifiedException("peer presented no X.509 certificate");
        }
        try {
            Role role = EvidenceExtension.fromCertificate(leaf).role();
            PublicKey key = leaf.getPublicKey();
            return new AttestedPeer(IdentityBinding.nodeId(key.getEncoded()), role, key);
        } catch (AttestationException e) {
            SSLPeerUnverifiedException unverified =
                    new SSLPeerUnverifiedException("peer certificate carries no usable evidence: " + e.getMessage());
            unverified.initCause(e);
            throw unverified;
        }
    }
}
