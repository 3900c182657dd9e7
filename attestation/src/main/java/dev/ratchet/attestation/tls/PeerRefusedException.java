package dev.ratchet.attestation.tls;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Refusal;
import java.security.cert.CertificateException;

/**
 * A TLS peer was refused by {@link AttestedTrustManager}; the TLS stack aborts the handshake with
 * it.
 *
 * <p>A {@link CertificateException} because that is what the trust-manager contract lets us
 * throw; it carries the {@link Refusal} so logs, metrics and tests can tell the reasons apart.
 */
public final class PeerRefusedException extends CertificateException {
    private static final long serialVersionUID = 1L;

    private final Refusal refusal;

    PeerRefusedException(AttestationException cause) {
        super(cause.getMessage(), cause);
        this.refusal = cause.refusal();
    }

    /** Returns why the peer was refused. */
    public Refusal refusal() {
        return refusal;
    }
}
