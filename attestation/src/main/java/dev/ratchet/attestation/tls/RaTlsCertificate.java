package dev.ratchet.attestation.tls;

import dev.ratchet.attestation.Evidence;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A builder of self-signed RA-TLS certificates: the node's key, its node id as CN, and its
 * evidence in an {@link EvidenceExtension}.
 *
 * <p>Self-signed on purpose: trust does not come from a CA path but from the evidence, which
 * binds this very key (the TLS 1.3 CertificateVerify proves possession on every handshake).
 */
public final class RaTlsCertificate {
    /**
     * How far notBefore is set back, so a peer whose clock runs slightly behind still accepts a
     * certificate made a moment ago.
     */
    static final Duration CLOCK_SKEW_ALLOWANCE = Duration.ofMinutes(5);

    private RaTlsCertificate() {}

    /**
     * Creates a certificate for {@code keyPair} that carries {@code evidence} and is valid from
     * {@code now} (less the skew allowance) for {@code validity}.
     */
    public static X509Certificate create(
            KeyPair keyPair, String nodeId, Evidence evidence, Instant now, Duration validity) {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "Ratchet")
                .addRDN(BCStyle.OU, evidence.role().wireName())
                .addRDN(BCStyle.CN, nodeId)
                .build();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                subject,
                new BigInteger(1, java.util.HexFormat.of().parseHex(nodeId.substring(0, 16))),
                Date.from(now.minus(CLOCK_SKEW_ALLOWANCE)),
                Date.from(now.plus(validity)),
                subject,
                keyPair.getPublic());
        try {
            builder.addExtension(EvidenceExtension.asExtension(evidence));
            String algorithm = keyPair.getPublic().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(keyPair.getPrivate())));
        } catch (CertIOException | OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("could not build the RA-TLS certificate", e);
        }
    }
}
