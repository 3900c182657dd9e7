package dev.ratchet.attestation.tls;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.cbor.CborException;
import dev.ratchet.attestation.cbor.CborReader;
import dev.ratchet.attestation.cbor.CborWriter;
import java.io.IOException;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.Extension;

/**
 * The X.509 extension that carries evidence in an RA-TLS certificate.
 *
 * <p>Ratchet uses id-pe-cmw ({@value #OID}, RFC 9999, formerly draft-ietf-rats-msg-wrap), not an
 * OID of its own: it is the IETF's registered home for attestation evidence in certificates, it
 * needs no private enterprise number, and generic tools recognise it. The value is a CBOR CMW
 * record {@code [media-type, evidence, 2]} where the media type is {@value #MEDIA_TYPE}, the
 * evidence is {@link Evidence#encode()}, and 2 is the CMW indicator for "evidence". The extension
 * is not critical, as RFC 9999 asks. Gramine's legacy RA-TLS OID is avoided because it is
 * mis-encoded (attestation.md §4.1).
 */
public final class EvidenceExtension {
    /** id-pe-cmw, the conceptual-message-wrapper certificate extension. */
    public static final String OID = "1.3.6.1.5.5.7.1.35";

    /** The CMW media type of Ratchet's evidence record. */
    public static final String MEDIA_TYPE = "application/vnd.ratchet.evidence+cbor";

    static final ASN1ObjectIdentifier ASN1_OID = new ASN1ObjectIdentifier(OID);

    private static final int CMW_INDICATOR_EVIDENCE = 2;

    private EvidenceExtension() {}

    /** Returns the extension value (the CMW record bytes) for {@code evidence}. */
    public static byte[] encode(Evidence evidence) {
        return new CborWriter()
                .array(3)
                .text(MEDIA_TYPE)
                .bytes(evidence.encode())
                .uint(CMW_INDICATOR_EVIDENCE)
                .toByteArray();
    }

    /**
     * Parses the extension value back into evidence.
     *
     * @throws AttestationException {@link Refusal#MALFORMED} unless it is exactly one CMW record
     *     of Ratchet's media type holding well-formed evidence
     */
    public static Evidence decode(byte[] cmw) throws AttestationException {
        if (cmw == null || cmw.length == 0) {
            throw new AttestationException(Refusal.NO_EVIDENCE, "evidence extension is empty");
        }
        try {
            CborReader reader = new CborReader(cmw);
            int items = reader.array(3);
            if (items != 3) {
                throw new AttestationException(Refusal.MALFORMED, "CMW record has " + items + " items, not 3");
            }
            String mediaType = reader.text(128);
            if (!MEDIA_TYPE.equals(mediaType)) {
                throw new AttestationException(Refusal.MALFORMED, "CMW media type is '" + mediaType + "'");
            }
            byte[] evidence = reader.bytes(Evidence.ENCODED_BYTES_MAX);
            long indicator = reader.uint();
            if (indicator != CMW_INDICATOR_EVIDENCE) {
                throw new AttestationException(Refusal.MALFORMED, "CMW indicator is " + indicator + ", not evidence");
            }
            reader.requireEnd();
            return Evidence.decode(evidence);
        } catch (CborException e) {
            throw new AttestationException(Refusal.MALFORMED, "CMW record: " + e.getMessage(), e);
        }
    }

    /**
     * Extracts the evidence from a certificate.
     *
     * @throws AttestationException {@link Refusal#NO_EVIDENCE} if the certificate has no such
     *     extension, {@link Refusal#MALFORMED} if it is unreadable
     */
    public static Evidence fromCertificate(X509Certificate certificate) throws AttestationException {
        byte[] wrapped = certificate.getExtensionValue(OID);
        if (wrapped == null) {
            throw new AttestationException(
                    Refusal.NO_EVIDENCE,
                    "certificate " + certificate.getSubjectX500Principal() + " carries no evidence");
        }
        if (certificate.getCriticalExtensionOIDs() != null
                && certificate.getCriticalExtensionOIDs().contains(OID)) {
            throw new AttestationException(Refusal.MALFORMED, "evidence extension must not be critical");
        }
        try {
            // getExtensionValue returns the extnValue OCTET STRING itself; unwrap it once.
            ASN1Primitive primitive = ASN1Primitive.fromByteArray(wrapped);
            return decode(ASN1OctetString.getInstance(primitive).getOctets());
        } catch (IOException | IllegalArgumentException e) {
            throw new AttestationException(Refusal.MALFORMED, "evidence extension is not an OCTET STRING", e);
        }
    }

    static Extension asExtension(Evidence evidence) {
        return new Extension(ASN1_OID, /* critical= */ false, encode(evidence));
    }
}
