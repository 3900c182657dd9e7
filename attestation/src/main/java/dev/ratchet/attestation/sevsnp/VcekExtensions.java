package dev.ratchet.attestation.sevsnp;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Refusal;
import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1String;

/**
 * The AMD-specific X.509 extensions of a VCEK or VLEK certificate (arc 1.3.6.1.4.1.3704.1).
 *
 * <p>AMD's KDS writes into each VCEK the security patch levels (SPLs) of the TCB it was derived
 * for and the chip's hardware id; the verifier compares them with the report's REPORTED_TCB and
 * CHIP_ID, because the VCEK signature alone does not say which TCB the report claims. Every
 * extension is optional here; the verifier decides which ones it needs. Two encodings of hwID
 * occur in the field (raw bytes and a DER OCTET STRING) and both are accepted (attestation.md
 * §1.3).
 */
final class VcekExtensions {
    static final String AMD_ARC = "1.3.6.1.4.1.3704.1";
    static final String OID_STRUCT_VERSION = AMD_ARC + ".1";
    static final String OID_PRODUCT_NAME = AMD_ARC + ".2";
    static final String OID_BL_SPL = AMD_ARC + ".3.1";
    static final String OID_TEE_SPL = AMD_ARC + ".3.2";
    static final String OID_SNP_SPL = AMD_ARC + ".3.3";
    static final String OID_UCODE_SPL = AMD_ARC + ".3.8";
    static final String OID_FMC_SPL = AMD_ARC + ".3.9";
    static final String OID_HW_ID = AMD_ARC + ".4";
    static final String OID_CSP_ID = AMD_ARC + ".5";

    /** hwID length before Turin: the full 64-byte CHIP_ID. */
    static final int HW_ID_BYTES = 64;

    /** hwID length on Turin, which uses only the first 8 bytes of CHIP_ID. */
    static final int HW_ID_TURIN_BYTES = 8;

    /** The DER tag of an OCTET STRING, which the newer KDS encoding wraps the hwID in. */
    private static final int DER_OCTET_STRING = 0x04;

    private final Optional<String> productName;
    private final OptionalInt structVersion;
    private final OptionalInt blSpl;
    private final OptionalInt teeSpl;
    private final OptionalInt snpSpl;
    private final OptionalInt ucodeSpl;
    private final OptionalInt fmcSpl;
    private final byte[] hwId;
    private final Optional<String> cspId;

    private VcekExtensions(X509Certificate certificate) throws AttestationException {
        productName = text(certificate, OID_PRODUCT_NAME);
        structVersion = integer(certificate, OID_STRUCT_VERSION);
        blSpl = integer(certificate, OID_BL_SPL);
        teeSpl = integer(certificate, OID_TEE_SPL);
        snpSpl = integer(certificate, OID_SNP_SPL);
        ucodeSpl = integer(certificate, OID_UCODE_SPL);
        fmcSpl = integer(certificate, OID_FMC_SPL);
        hwId = hwId(certificate);
        cspId = text(certificate, OID_CSP_ID);
    }

    /**
     * Reads the AMD extensions of {@code certificate}.
     *
     * @throws AttestationException {@link Refusal#MALFORMED} if an AMD extension is present but its
     *     value cannot be decoded
     */
    static VcekExtensions parse(X509Certificate certificate) throws AttestationException {
        return new VcekExtensions(certificate);
    }

    /** Returns the product name, e.g. {@code Milan-B0}, {@code Genoa}, {@code Turin}. */
    Optional<String> productName() {
        return productName;
    }

    /** Returns the structure version: 0 for Milan and Genoa, 1 for Turin. */
    OptionalInt structVersion() {
        return structVersion;
    }

    OptionalInt blSpl() {
        return blSpl;
    }

    OptionalInt teeSpl() {
        return teeSpl;
    }

    OptionalInt snpSpl() {
        return snpSpl;
    }

    OptionalInt ucodeSpl() {
        return ucodeSpl;
    }

    /** Returns the FMC SPL, present on Turin only. */
    OptionalInt fmcSpl() {
        return fmcSpl;
    }

    /** Returns the hardware id: 64 bytes, or 8 on Turin; absent in a VLEK. */
    Optional<byte[]> hwId() {
        return Optional.ofNullable(hwId).map(byte[]::clone);
    }

    /** Returns the cloud service provider id of a VLEK, e.g. {@code CN=cc-us-east-2.amazonaws.com}. */
    Optional<String> cspId() {
        return cspId;
    }

    /**
     * Returns the extension's extnValue octets. Java hands back the DER encoding of the OCTET
     * STRING that holds extnValue, so one layer is always peeled here.
     */
    private static Optional<byte[]> extnValue(X509Certificate certificate, String oid) throws AttestationException {
        byte[] wrapped = certificate.getExtensionValue(oid);
        if (wrapped == null) {
            return Optional.empty();
        }
        return Optional.of(decode(oid, wrapped, ASN1OctetString.class).getOctets());
    }

    private static OptionalInt integer(X509Certificate certificate, String oid) throws AttestationException {
        Optional<byte[]> value = extnValue(certificate, oid);
        if (value.isEmpty()) {
            return OptionalInt.empty();
        }
        BigInteger number = decode(oid, value.get(), ASN1Integer.class).getValue();
        if (number.signum() < 0 || number.bitLength() > 31) {
            throw malformed(oid, "integer " + number + " is out of range");
        }
        return OptionalInt.of(number.intValue());
    }

    private static Optional<String> text(X509Certificate certificate, String oid) throws AttestationException {
        Optional<byte[]> value = extnValue(certificate, oid);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        // IA5String per KDS; any ASN.1 string type is read so a re-encoded name still parses.
        return Optional.of(decode(oid, value.get(), ASN1String.class).getString());
    }

    private static byte[] hwId(X509Certificate certificate) throws AttestationException {
        Optional<byte[]> value = extnValue(certificate, OID_HW_ID);
        if (value.isEmpty()) {
            return null;
        }
        byte[] bytes = value.get();
        // Raw and wrapped forms differ in length (64 vs 66, 8 vs 10), so the length decides
        // without guessing from a first byte that raw ids may also start with.
        if (bytes.length == HW_ID_BYTES || bytes.length == HW_ID_TURIN_BYTES) {
            return bytes;
        }
        if (bytes.length == HW_ID_BYTES + 2 || bytes.length == HW_ID_TURIN_BYTES + 2) {
            if ((bytes[0] & 0xFF) == DER_OCTET_STRING && (bytes[1] & 0xFF) == bytes.length - 2) {
                return Arrays.copyOfRange(bytes, 2, bytes.length);
            }
        }
        throw malformed(OID_HW_ID, "hwID is " + bytes.length + " bytes, neither raw 64/8 nor an OCTET STRING of them");
    }

    private static <T> T decode(String oid, byte[] der, Class<T> type) throws AttestationException {
        ASN1Primitive primitive;
        try {
            primitive = ASN1Primitive.fromByteArray(der);
        } catch (IOException | RuntimeException e) {
            throw malformed(oid, "not DER: " + e.getMessage());
        }
        if (primitive == null) {
            throw malformed(oid, "empty value");
        }
        if (!type.isInstance(primitive)) {
            throw malformed(
                    oid,
                    "expected " + type.getSimpleName() + " but found "
                            + primitive.getClass().getSimpleName());
        }
        // fromByteArray ignores nothing: it refuses trailing bytes, so the value is exactly one object.
        return type.cast(primitive);
    }

    private static AttestationException malformed(String oid, String detail) {
        return new AttestationException(Refusal.MALFORMED, "VCEK/VLEK extension " + oid + ": " + detail);
    }
}
