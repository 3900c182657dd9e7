package dev.ratchet.attestation;

import dev.ratchet.attestation.tls.RaTlsCertificate;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * A process's identity for its whole life: a key pair made at boot, the evidence that binds it,
 * and the RA-TLS certificate that presents both.
 *
 * <p>The private key lives only in this object, in TEE memory, and is never written anywhere.
 * A restarted process therefore is a new node with a new id: old evidence, old Raft membership
 * and old authorizations die with the old key, which is what makes a node restarted from old
 * state unable to take part (DESIGN.md §3). ECDSA P-256 is the default because JSSE, BoringSSL
 * and the Netty inside Ratis all accept it.
 */
public final class NodeIdentity {
    /** How long an RA-TLS certificate is valid; evidence re-issue is tracked in ARCHITECTURE.md. */
    public static final Duration CERTIFICATE_VALIDITY = Duration.ofDays(365);

    private final Role role;
    private final KeyPair keyPair;
    private final String nodeId;
    private final Evidence evidence;
    private final X509Certificate certificate;

    private NodeIdentity(Role role, KeyPair keyPair, Evidence evidence, X509Certificate certificate) {
        this.role = role;
        this.keyPair = keyPair;
        this.nodeId = IdentityBinding.nodeId(keyPair.getPublic().getEncoded());
        this.evidence = evidence;
        this.certificate = certificate;
    }

    /**
     * Generates a fresh P-256 key pair, asks {@code provider} for evidence binding it to {@code
     * role}, and builds the certificate, valid from the clock's now.
     *
     * @throws AttestationException if the platform cannot attest
     */
    public static NodeIdentity generate(Role role, EvidenceProvider provider, Clock clock) throws AttestationException {
        return generate(role, provider, clock, CERTIFICATE_VALIDITY);
    }

    /** Like {@link #generate(Role, EvidenceProvider, Clock)}, with a chosen certificate validity. */
    public static NodeIdentity generate(Role role, EvidenceProvider provider, Clock clock, Duration certificateValidity)
            throws AttestationException {
        Objects.requireNonNull(role, "role");
        KeyPair keyPair = newKeyPair();
        byte[] spki = keyPair.getPublic().getEncoded();
        Evidence evidence = provider.attest(role, IdentityBinding.reportData(role, spki));
        if (evidence.role() != role) {
            throw new IllegalStateException("provider attested role " + evidence.role() + " instead of " + role);
        }
        X509Certificate certificate = RaTlsCertificate.create(
                keyPair, IdentityBinding.nodeId(spki), evidence, clock.instant(), certificateValidity);
        return new NodeIdentity(role, keyPair, evidence, certificate);
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("the JDK cannot generate P-256 keys", e);
        }
    }

    /** Returns the role this process runs as. */
    public Role role() {
        return role;
    }

    /** Returns the node id: lowercase hex SHA-256 of the public key's SPKI DER. */
    public String nodeId() {
        return nodeId;
    }

    /** Returns the public key. */
    public PublicKey publicKey() {
        return keyPair.getPublic();
    }

    /** Returns the private key; callers must never serialize it. */
    public PrivateKey privateKey() {
        return keyPair.getPrivate();
    }

    /** Returns the evidence that binds the public key and role. */
    public Evidence evidence() {
        return evidence;
    }

    /** Returns the self-signed RA-TLS certificate carrying the evidence. */
    public X509Certificate certificate() {
        return certificate;
    }

    @Override
    public String toString() {
        return "NodeIdentity[" + role + " " + nodeId + " on " + evidence.platform() + "]";
    }
}
