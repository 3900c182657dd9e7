package dev.ratchet.attestation.sevsnp;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.EvidenceVerifier;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.TeePlatform;
import dev.ratchet.attestation.VerifiedClaims;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * The verifier of AMD SEV-SNP evidence: an attestation report plus its VCEK or VLEK certificate
 * (and optionally the ASK/ASVK and ARK), checked against the AMD roots pinned in {@link AmdRoots}.
 *
 * <p><b>Threat model.</b> The host, the hypervisor, the network and any peer relaying evidence are
 * adversaries: they can hand us any bytes, replay genuine reports, swap certificates between
 * reports, or present certificates from a root they control. We trust the AMD secure processor
 * of a chip whose key AMD endorsed, the three pinned ARKs, and the JDK's crypto. Out of scope here
 * (decided by policy elsewhere): whether debug, this measurement, this TCB or this VMPL is good
 * enough, and whether report_data binds the expected key. The checks run in this order
 * (attestation.md §1.6), each with its reason:
 *
 * <ol>
 *   <li><b>Structure</b> ({@link SnpReport#parse}): exact length, known version, ECDSA P-384, zero
 *       reserved fields. A parser that guesses at unknown layouts reads attacker-chosen fields.
 *       Failure: {@link Refusal#MALFORMED}.
 *   <li><b>Product</b>: from the CPUID bytes (v3+) or the VCEK product name (v2); it selects the
 *       one ARK the chain must end at, so a Genoa root can never vouch for a "Milan" report. If
 *       both are present they must agree ({@link Refusal#CHAIN}).
 *   <li><b>Chain</b> pinned ARK → ASK/ASVK → VCEK/VLEK with RSASSA-PSS, every certificate valid at
 *       {@code now}. Without it anyone can mint a P-384 key and sign a report. A presented root
 *       that is not the product's pinned ARK: {@link Refusal#WRONG_ROOT}; a broken signature or
 *       misplaced certificate: {@link Refusal#CHAIN}; outside a validity window:
 *       {@link Refusal#EXPIRED}.
 *   <li><b>Key kind</b>: KEY_INFO's signing key (VCEK or VLEK) must be the kind of the leaf, so a
 *       VLEK chain cannot stand in for a chip-bound VCEK and vice versa ({@link Refusal#CHAIN}).
 *   <li><b>Signature</b>: ECDSA P-384 over bytes 0x000..0x29F under the leaf key; this is what
 *       makes every field a statement of the secure processor ({@link Refusal#SIGNATURE}).
 *   <li><b>Endorsement binding</b>: the leaf's SPL extensions must equal REPORTED_TCB (not
 *       CURRENT_TCB, which may be newer than the TCB the key was derived for), and a VCEK's hwID
 *       must equal CHIP_ID. A VCEK is derived per chip and per TCB, so a mismatch means the
 *       report claims a TCB or chip its key was not issued for ({@link Refusal#CHAIN}).
 *   <li><b>VMPL</b>: 0xFFFFFFFF marks a report the host requested about the guest; it was not
 *       asked for by the guest and its report_data is the host's ({@link
 *       Refusal#PLATFORM_POLICY}).
 * </ol>
 *
 * <p>Every failure is an {@link AttestationException}; no input makes {@link #verify} throw
 * anything else.
 */
public final class SevSnpVerifier implements EvidenceVerifier {
    /** A guard against absurd evidence: VCEK, ASK, ARK and a little slack. */
    private static final int ENDORSEMENTS_MAX = Evidence.ENDORSEMENTS_MAX;

    private static final String CN_VCEK = "SEV-VCEK";
    private static final String CN_VLEK = "SEV-VLEK";

    /** Marks the catch-all refusal so tests and fuzzing can tell a bug from a real refusal. */
    static final String INTERNAL_ERROR = "internal error while checking SEV-SNP evidence";

    private final AmdRoots roots;

    /** Creates a verifier that trusts only the ARKs pinned in this library. */
    public SevSnpVerifier() {
        this(AmdRoots.pinned());
    }

    /** Creates a verifier that trusts {@code roots}; tests use it with a fake AMD hierarchy. */
    SevSnpVerifier(AmdRoots roots) {
        this.roots = Objects.requireNonNull(roots, "roots");
    }

    @Override
    public TeePlatform platform() {
        return TeePlatform.SEV_SNP;
    }

    @Override
    public VerifiedClaims verify(Evidence evidence, Instant now) throws AttestationException {
        if (evidence == null) {
            throw new AttestationException(Refusal.NO_EVIDENCE, "no SEV-SNP evidence");
        }
        Objects.requireNonNull(now, "now");
        if (evidence.platform() != TeePlatform.SEV_SNP) {
            throw new AttestationException(
                    Refusal.UNSUPPORTED_PLATFORM, "evidence is for " + evidence.platform() + ", not sev-snp");
        }
        try {
            return check(evidence, now);
        } catch (RuntimeException e) {
            // Fail closed: a parser bug must refuse the evidence, never crash the handshake.
            throw new AttestationException(Refusal.MALFORMED, INTERNAL_ERROR + ": " + e, e);
        }
    }

    private VerifiedClaims check(Evidence evidence, Instant now) throws AttestationException {
        SnpReport report = SnpReport.parse(evidence.report());
        List<X509Certificate> certificates = certificates(evidence.endorsements());
        X509Certificate leaf = certificates.get(0);
        SnpReport.SigningKey leafKind = leafKind(leaf);
        VcekExtensions extensions = VcekExtensions.parse(leaf);
        SnpProduct product = product(report, extensions);

        checkChain(product, leafKind, certificates, now);

        if (report.signingKey() == SnpReport.SigningKey.NONE) {
            throw new AttestationException(Refusal.SIGNATURE, "report is unsigned (KEY_INFO signing key = none)");
        }
        if (report.signingKey() != leafKind) {
            throw new AttestationException(
                    Refusal.CHAIN,
                    "KEY_INFO says the report is signed by the " + report.signingKey()
                            + " but the leaf certificate is a " + leafKind);
        }
        checkSignature(report, leaf.getPublicKey());
        Map<String, Integer> tcb = tcbComponents(product, report.reportedTcb());
        checkSpls(extensions, tcb);
        if (leafKind == SnpReport.SigningKey.VCEK) {
            checkHwId(product, extensions, report.chipId());
        }
        if (report.vmpl() == SnpReport.VMPL_HOST_REQUESTED) {
            throw new AttestationException(
                    Refusal.PLATFORM_POLICY, "VMPL 0xFFFFFFFF: the host, not the guest, requested this report");
        }
        return claims(report, product, leafKind, tcb);
    }

    private static List<X509Certificate> certificates(List<byte[]> endorsements) throws AttestationException {
        if (endorsements.isEmpty()) {
            throw new AttestationException(Refusal.CHAIN, "evidence carries no VCEK or VLEK certificate");
        }
        if (endorsements.size() > ENDORSEMENTS_MAX) {
            throw new AttestationException(
                    Refusal.MALFORMED, endorsements.size() + " endorsements, more than " + ENDORSEMENTS_MAX);
        }
        List<X509Certificate> certificates = new ArrayList<>(endorsements.size());
        CertificateFactory factory = certificateFactory();
        for (int i = 0; i < endorsements.size(); i++) {
            byte[] der = endorsements.get(i);
            X509Certificate certificate;
            try {
                certificate = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
            } catch (CertificateException | RuntimeException e) {
                // The JDK's DER parser reports some malformed inputs with unchecked exceptions.
                throw new AttestationException(
                        Refusal.MALFORMED, "endorsement " + i + " is not an X.509 certificate: " + e.getMessage(), e);
            }
            try {
                // The factory also takes PEM and ignores trailing bytes; endorsements are exact DER.
                if (!Arrays.equals(certificate.getEncoded(), der)) {
                    throw new AttestationException(
                            Refusal.MALFORMED, "endorsement " + i + " is not exactly one DER certificate");
                }
            } catch (CertificateException e) {
                throw new AttestationException(Refusal.MALFORMED, "endorsement " + i + " cannot be re-encoded", e);
            }
            certificates.add(certificate);
        }
        return certificates;
    }

    private static SnpReport.SigningKey leafKind(X509Certificate leaf) throws AttestationException {
        String commonName = commonName(leaf);
        if (CN_VCEK.equals(commonName)) {
            return SnpReport.SigningKey.VCEK;
        }
        if (CN_VLEK.equals(commonName)) {
            return SnpReport.SigningKey.VLEK;
        }
        throw new AttestationException(
                Refusal.CHAIN, "first endorsement is '" + commonName + "', not a SEV-VCEK or SEV-VLEK certificate");
    }

    private static SnpProduct product(SnpReport report, VcekExtensions extensions) throws AttestationException {
        Optional<SnpProduct> named = Optional.empty();
        if (extensions.productName().isPresent()) {
            named = SnpProduct.fromProductName(extensions.productName().get());
            if (named.isEmpty()) {
                throw new AttestationException(
                        Refusal.UNSUPPORTED_PLATFORM,
                        "certificate product '" + extensions.productName().get() + "' is not Milan, Genoa or Turin");
            }
        }
        if (report.cpuidFamily() == 0) {
            // Version 2 reports carry no CPUID; the certificate's product name is all there is.
            return named.orElseThrow(() -> new AttestationException(
                    Refusal.CHAIN, "report has no CPUID and the certificate names no product"));
        }
        SnpProduct fromCpuid = SnpProduct.fromCpuid(report.cpuidFamily(), report.cpuidModel())
                .orElseThrow(() -> new AttestationException(
                        Refusal.UNSUPPORTED_PLATFORM,
                        String.format(
                                "CPUID family 0x%02x model 0x%02x is not a known SEV-SNP product",
                                report.cpuidFamily(), report.cpuidModel())));
        if (named.isPresent() && named.get() != fromCpuid) {
            throw new AttestationException(
                    Refusal.CHAIN, "certificate is for " + named.get() + " but the report's CPUID says " + fromCpuid);
        }
        return fromCpuid;
    }

    private void checkChain(
            SnpProduct product, SnpReport.SigningKey leafKind, List<X509Certificate> certificates, Instant now)
            throws AttestationException {
        X509Certificate leaf = certificates.get(0);
        X509Certificate presentedIntermediate = null;
        X509Certificate presentedRoot = null;
        for (int i = 1; i < certificates.size(); i++) {
            X509Certificate certificate = certificates.get(i);
            boolean selfIssued = certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
            if (selfIssued && presentedRoot == null && i == certificates.size() - 1) {
                presentedRoot = certificate;
            } else if (!selfIssued && presentedIntermediate == null && i == 1) {
                presentedIntermediate = certificate;
            } else {
                throw new AttestationException(
                        Refusal.CHAIN,
                        "endorsement " + i + " ('" + commonName(certificate)
                                + "') is out of place; expected VCEK/VLEK, then ASK/ASVK, then ARK");
            }
        }
        X509Certificate ark = roots.ark(product);
        if (presentedRoot != null) {
            byte[] der = encoded(presentedRoot);
            Optional<SnpProduct> rootProduct = roots.productOfArk(der);
            if (rootProduct.isEmpty()) {
                throw new AttestationException(
                        Refusal.WRONG_ROOT,
                        "chain ends at '" + commonName(presentedRoot) + "' (SHA-256 " + AmdRoots.sha256Hex(der)
                                + "), not a pinned AMD ARK");
            }
            if (rootProduct.get() != product) {
                throw new AttestationException(
                        Refusal.WRONG_ROOT,
                        "chain ends at ARK-" + rootProduct.get() + " but the report is from " + product);
            }
        }
        X509Certificate intermediate = presentedIntermediate != null
                ? presentedIntermediate
                : leafKind == SnpReport.SigningKey.VCEK ? roots.ask(product) : roots.asvk(product);
        if (!intermediate.getIssuerX500Principal().equals(ark.getSubjectX500Principal())) {
            throw new AttestationException(
                    Refusal.WRONG_ROOT,
                    "intermediate '" + commonName(intermediate) + "' was issued by '" + issuerCommonName(intermediate)
                            + "', not ARK-" + product);
        }
        String expectedIntermediate =
                (leafKind == SnpReport.SigningKey.VCEK ? "SEV-" : "SEV-VLEK-") + product.kdsName();
        if (!expectedIntermediate.equals(commonName(intermediate))) {
            throw new AttestationException(
                    Refusal.CHAIN,
                    "a " + leafKind + " must be issued by " + expectedIntermediate + ", but the intermediate is '"
                            + commonName(intermediate) + "'");
        }
        if (intermediate.getBasicConstraints() < 0) {
            throw new AttestationException(
                    Refusal.CHAIN, "intermediate '" + commonName(intermediate) + "' is not a CA");
        }
        verifySignedBy(intermediate, ark);
        if (!leaf.getIssuerX500Principal().equals(intermediate.getSubjectX500Principal())) {
            throw new AttestationException(
                    Refusal.CHAIN,
                    leafKind + " was issued by '" + issuerCommonName(leaf) + "', not '" + commonName(intermediate)
                            + "'");
        }
        verifySignedBy(leaf, intermediate);
        // Validity after signatures: only certificates AMD really issued get their dates reported.
        Date at = Date.from(now);
        for (X509Certificate certificate : List.of(ark, intermediate, leaf)) {
            try {
                certificate.checkValidity(at);
            } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                throw new AttestationException(
                        Refusal.EXPIRED,
                        "'" + commonName(certificate) + "' is valid "
                                + certificate.getNotBefore().toInstant() + " .. "
                                + certificate.getNotAfter().toInstant() + ", not at " + now);
            }
        }
    }

    private static void verifySignedBy(X509Certificate certificate, X509Certificate issuer)
            throws AttestationException {
        try {
            certificate.verify(issuer.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new AttestationException(
                    Refusal.CHAIN,
                    "signature of '" + commonName(certificate) + "' does not verify under '" + commonName(issuer)
                            + "': " + e.getMessage(),
                    e);
        }
    }

    private static void checkSignature(SnpReport report, PublicKey key) throws AttestationException {
        if (!(key instanceof ECPublicKey ecKey)
                || ecKey.getParams().getCurve().getField().getFieldSize() != 384) {
            throw new AttestationException(Refusal.CHAIN, "the VCEK/VLEK key is not an ECDSA P-384 key");
        }
        BigInteger order = ecKey.getParams().getOrder();
        BigInteger r = littleEndian(report.signatureR());
        BigInteger s = littleEndian(report.signatureS());
        // Out-of-range values can never verify; refusing them here keeps odd encodings away from JCA.
        if (r.signum() <= 0 || s.signum() <= 0 || r.compareTo(order) >= 0 || s.compareTo(order) >= 0) {
            throw new AttestationException(Refusal.SIGNATURE, "signature R or S is outside 1..n-1");
        }
        boolean valid;
        try {
            Signature verifier = Signature.getInstance("SHA384withECDSA");
            verifier.initVerify(ecKey);
            verifier.update(report.signedBytes());
            valid = verifier.verify(
                    new DERSequence(new ASN1Encodable[] {new ASN1Integer(r), new ASN1Integer(s)}).getEncoded());
        } catch (GeneralSecurityException | IOException e) {
            throw new AttestationException(
                    Refusal.SIGNATURE, "report signature cannot be checked: " + e.getMessage(), e);
        }
        if (!valid) {
            throw new AttestationException(Refusal.SIGNATURE, "report signature does not verify under the VCEK/VLEK");
        }
    }

    /**
     * Returns the TCB components of an 8-byte TCB_VERSION in the product's layout: Milan and Genoa
     * bl=0, tee=1, snp=6, ucode=7; Turin fmc=0, bl=1, tee=2, snp=3, ucode=7 (attestation.md §1.3).
     */
    static Map<String, Integer> tcbComponents(SnpProduct product, byte[] tcb) {
        Map<String, Integer> components = new LinkedHashMap<>();
        if (product == SnpProduct.TURIN) {
            components.put("fmc", tcb[0] & 0xFF);
            components.put("bl", tcb[1] & 0xFF);
            components.put("tee", tcb[2] & 0xFF);
            components.put("snp", tcb[3] & 0xFF);
        } else {
            components.put("bl", tcb[0] & 0xFF);
            components.put("tee", tcb[1] & 0xFF);
            components.put("snp", tcb[6] & 0xFF);
        }
        components.put("ucode", tcb[7] & 0xFF);
        return components;
    }

    private static void checkSpls(VcekExtensions extensions, Map<String, Integer> tcb) throws AttestationException {
        Map<String, OptionalInt> spls = new LinkedHashMap<>();
        spls.put("bl", extensions.blSpl());
        spls.put("tee", extensions.teeSpl());
        spls.put("snp", extensions.snpSpl());
        spls.put("ucode", extensions.ucodeSpl());
        if (tcb.containsKey("fmc")) {
            spls.put("fmc", extensions.fmcSpl());
        }
        for (Map.Entry<String, OptionalInt> spl : spls.entrySet()) {
            String component = spl.getKey();
            if (spl.getValue().isEmpty()) {
                throw new AttestationException(Refusal.CHAIN, "certificate lacks the " + component + "SPL extension");
            }
            int certified = spl.getValue().getAsInt();
            if (certified != tcb.get(component)) {
                throw new AttestationException(
                        Refusal.CHAIN,
                        "certificate " + component + "SPL " + certified + " differs from REPORTED_TCB " + component
                                + " " + tcb.get(component));
            }
        }
    }

    private static void checkHwId(SnpProduct product, VcekExtensions extensions, byte[] chipId)
            throws AttestationException {
        if (isZero(chipId)) {
            // The host masked CHIP_ID; the VCEK signature still ties the report to one chip.
            return;
        }
        byte[] hwId = extensions
                .hwId()
                .orElseThrow(() -> new AttestationException(Refusal.CHAIN, "VCEK lacks the hwID extension"));
        int length = product == SnpProduct.TURIN ? VcekExtensions.HW_ID_TURIN_BYTES : VcekExtensions.HW_ID_BYTES;
        if (hwId.length != length || !Arrays.equals(hwId, Arrays.copyOf(chipId, length))) {
            throw new AttestationException(Refusal.CHAIN, "VCEK hwID does not match the report's CHIP_ID");
        }
    }

    private static VerifiedClaims claims(
            SnpReport report, SnpProduct product, SnpReport.SigningKey signingKey, Map<String, Integer> tcb) {
        HexFormat hex = HexFormat.of();
        Map<String, String> details = new LinkedHashMap<>();
        details.put("product", product.kdsName());
        details.put("version", Integer.toString(report.version()));
        details.put("vmpl", Long.toString(report.vmpl()));
        details.put("signingKey", signingKey == SnpReport.SigningKey.VCEK ? "vcek" : "vlek");
        details.put("migrateMa", Boolean.toString(report.migrateMaAllowed()));
        details.put("policy", "0x" + Long.toHexString(report.policy()));
        details.put("guestSvn", Long.toString(report.guestSvn()));
        details.put("hostData", hex.formatHex(report.hostData()));
        details.put("chipId", hex.formatHex(report.chipId()));
        return new VerifiedClaims(
                TeePlatform.SEV_SNP, report.measurement(), report.reportData(), report.debugAllowed(), tcb, details);
    }

    private static BigInteger littleEndian(byte[] bytes) {
        byte[] bigEndian = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            bigEndian[i] = bytes[bytes.length - 1 - i];
        }
        return new BigInteger(1, bigEndian);
    }

    private static boolean isZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] encoded(X509Certificate certificate) throws AttestationException {
        try {
            return certificate.getEncoded();
        } catch (CertificateException e) {
            throw new AttestationException(Refusal.MALFORMED, "certificate cannot be encoded", e);
        }
    }

    private static String commonName(X509Certificate certificate) {
        return commonName(certificate.getSubjectX500Principal());
    }

    private static String issuerCommonName(X509Certificate certificate) {
        return commonName(certificate.getIssuerX500Principal());
    }

    /**
     * Returns the single CN of a name, or a printable stand-in. Names come from certificates we
     * have not verified yet, so an undecodable one must not escape as an unchecked exception; it
     * simply matches no expected name.
     */
    private static String commonName(X500Principal principal) {
        try {
            X500Name name = X500Name.getInstance(principal.getEncoded());
            RDN[] rdns = name.getRDNs(BCStyle.CN);
            if (rdns.length != 1 || rdns[0].isMultiValued()) {
                return name.toString();
            }
            return IETFUtils.valueToString(rdns[0].getFirst().getValue());
        } catch (RuntimeException e) {
            return "<undecodable name>";
        }
    }

    private static CertificateFactory certificateFactory() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK lacks X.509 support", e);
        }
    }
}
