package dev.ratchet.attestation.simulated;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.EvidenceVerifier;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.TeePlatform;
import dev.ratchet.attestation.VerifiedClaims;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * INSECURE: checks simulated evidence against the simulated roots it is given, and nothing else.
 *
 * <p>It never loads a vendor root, and vendor verifiers never load a simulated root, so simulated
 * evidence cannot pass as real. The checks mirror a real platform's: the machine certificate must
 * be signed by a configured simulated root and valid at the verification time, and the report
 * signature must verify under the machine key. Whether simulated evidence is acceptable at all is
 * the policy's decision, made before this verifier runs.
 */
public final class SimulatedVerifier implements EvidenceVerifier {
    private final List<X509Certificate> roots;

    /** Creates a verifier that trusts exactly these simulated roots. */
    public SimulatedVerifier(List<X509Certificate> roots) {
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("a simulated verifier needs at least one simulated root");
        }
        this.roots = List.copyOf(roots);
    }

    @Override
    public TeePlatform platform() {
        return TeePlatform.SIMULATED;
    }

    @Override
    public VerifiedClaims verify(Evidence evidence, Instant now) throws AttestationException {
        if (evidence.platform() != TeePlatform.SIMULATED) {
            throw new AttestationException(
                    Refusal.UNSUPPORTED_PLATFORM, "not simulated evidence: " + evidence.platform());
        }
        SimulatedReport report = SimulatedReport.decode(evidence.report());
        List<byte[]> endorsements = evidence.endorsements();
        if (endorsements.isEmpty()) {
            throw new AttestationException(Refusal.CHAIN, "simulated evidence carries no machine certificate");
        }
        X509Certificate machine = parseCertificate(endorsements.get(0));
        X509Certificate root = issuingRoot(machine, endorsements);
        checkValidity(root, now);
        checkValidity(machine, now);
        checkSignature(report, machine);
        return new VerifiedClaims(
                TeePlatform.SIMULATED,
                report.measurement(),
                report.reportData(),
                report.debug(),
                Map.of(),
                Map.of(
                        VerifiedClaims.ISSUED_AT,
                        Instant.ofEpochMilli(report.issuedAtMillis()).toString(),
                        "machineId",
                        HexFormat.of().formatHex(report.machineId()),
                        "insecure",
                        "true"));
    }

    /**
     * Finds the configured root that issued {@code machine}. When the evidence carries its root
     * (the second endorsement), that root must be a configured one, byte for byte, and must have
     * signed the machine certificate; otherwise any configured root that verifies it will do.
     */
    private X509Certificate issuingRoot(X509Certificate machine, List<byte[]> endorsements)
            throws AttestationException {
        if (endorsements.size() > 1) {
            byte[] carried = endorsements.get(1);
            X509Certificate root = configuredRoot(carried);
            try {
                machine.verify(root.getPublicKey());
                return root;
            } catch (GeneralSecurityException e) {
                throw new AttestationException(
                        Refusal.CHAIN, "machine certificate signature does not verify under its root", e);
            }
        }
        for (X509Certificate root : roots) {
            try {
                machine.verify(root.getPublicKey());
                return root;
            } catch (GeneralSecurityException e) {
                // Not this root; try the next.
            }
        }
        throw new AttestationException(
                Refusal.WRONG_ROOT, "machine certificate is not issued by a configured simulated root");
    }

    private X509Certificate configuredRoot(byte[] der) throws AttestationException {
        for (X509Certificate root : roots) {
            try {
                if (MessageDigest.isEqual(root.getEncoded(), der)) {
                    return root;
                }
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new AttestationException(
                Refusal.WRONG_ROOT, "evidence chains to a simulated root that is not configured");
    }

    private static void checkValidity(X509Certificate certificate, Instant now) throws AttestationException {
        try {
            certificate.checkValidity(Date.from(now));
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            throw new AttestationException(
                    Refusal.EXPIRED, certificate.getSubjectX500Principal() + " is not valid at " + now, e);
        }
    }

    private static void checkSignature(SimulatedReport report, X509Certificate machine) throws AttestationException {
        try {
            Signature verifier = Signature.getInstance(SimulatedCa.SIGNATURE_ALGORITHM);
            verifier.initVerify(machine.getPublicKey());
            verifier.update(report.signedBytes());
            if (!verifier.verify(report.signature())) {
                throw new AttestationException(Refusal.SIGNATURE, "simulated report signature does not verify");
            }
        } catch (GeneralSecurityException e) {
            throw new AttestationException(Refusal.SIGNATURE, "simulated report signature is unusable", e);
        }
    }

    static X509Certificate parseCertificate(byte[] der) throws AttestationException {
        try {
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new AttestationException(Refusal.CHAIN, "endorsement is not an X.509 certificate", e);
        }
    }
}
