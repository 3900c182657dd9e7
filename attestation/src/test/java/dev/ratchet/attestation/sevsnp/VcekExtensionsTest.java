package dev.ratchet.attestation.sevsnp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Refusal;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.Optional;
import java.util.OptionalInt;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class VcekExtensionsTest {
    @Test
    void milanVcekExtensions() throws AttestationException {
        VcekExtensions extensions = parse(SnpVectors.GO_SEV_GUEST.leafDer());

        assertEquals(Optional.of("Milan-B0"), extensions.productName());
        assertEquals(OptionalInt.of(0), extensions.structVersion());
        assertEquals(OptionalInt.of(2), extensions.blSpl());
        assertEquals(OptionalInt.of(0), extensions.teeSpl());
        assertEquals(OptionalInt.of(5), extensions.snpSpl());
        assertEquals(OptionalInt.of(0x44), extensions.ucodeSpl());
        assertEquals(OptionalInt.empty(), extensions.fmcSpl());
        assertEquals(Optional.empty(), extensions.cspId());
        byte[] chipId = Arrays.copyOfRange(SnpVectors.GO_SEV_GUEST.report(), 0x1A0, 0x1E0);
        assertArrayEquals(chipId, extensions.hwId().orElseThrow());
    }

    @Test
    void genoaVcekNamesGenoa() throws AttestationException {
        VcekExtensions extensions = parse(SnpVectors.CCF_GENOA.leafDer());

        assertEquals(Optional.of("Genoa"), extensions.productName());
        assertEquals(OptionalInt.of(10), extensions.blSpl());
        assertEquals(OptionalInt.of(23), extensions.snpSpl());
        assertEquals(OptionalInt.of(0x54), extensions.ucodeSpl());
        assertEquals(64, extensions.hwId().orElseThrow().length);
    }

    @Test
    void vlekHasCspIdAndNoHwId() throws AttestationException {
        VcekExtensions extensions = parse(SnpVectors.TRUSTEE_VLEK.leafDer());

        assertEquals(Optional.of("Milan"), extensions.productName());
        assertEquals(Optional.of("CN=cc-us-east-2.amazonaws.com"), extensions.cspId());
        assertTrue(extensions.hwId().isEmpty());
        assertEquals(OptionalInt.of(4), extensions.blSpl());
        assertEquals(OptionalInt.of(24), extensions.snpSpl());
        assertEquals(OptionalInt.of(0xd9), extensions.ucodeSpl());
    }

    @Test
    void turinVcekHasEightByteHwIdAndFmcSpl() throws Exception {
        byte[] der = SnpVectors.resource("virtee-turin-vcek.der");
        VcekExtensions extensions = parse(der);

        assertEquals(Optional.of("Turin"), extensions.productName());
        assertEquals(OptionalInt.of(1), extensions.structVersion());
        assertTrue(extensions.fmcSpl().isPresent());
        assertEquals(8, extensions.hwId().orElseThrow().length);
        assertTrue(extensions.blSpl().isPresent());
        assertTrue(extensions.ucodeSpl().isPresent());
    }

    @Test
    void turinVcekChainsToArkTurin() throws Exception {
        X509Certificate vcek = SnpVectors.x509(SnpVectors.resource("virtee-turin-vcek.der"));
        AmdRoots roots = AmdRoots.pinned();

        vcek.verify(roots.ask(SnpProduct.TURIN).getPublicKey());
        roots.ask(SnpProduct.TURIN).verify(roots.ark(SnpProduct.TURIN).getPublicKey());
        vcek.checkValidity(Date.from(SnpVectors.VALID_AT));
        // The bundle in the vectors is the same ASK and ARK that the library ships.
        assertArrayEquals(
                SnpVectors.certificates("ask_ark_turin_vcek.pem").get(0),
                roots.ask(SnpProduct.TURIN).getEncoded());
        assertEquals(
                Optional.of(SnpProduct.TURIN),
                roots.productOfArk(
                        SnpVectors.certificates("ask_ark_turin_vcek.pem").get(1)));
    }

    @Test
    void legacyRawHwIdParses() throws AttestationException {
        byte[] hwId = parse(SnpVectors.resource("trustee-vcek-invalid-legacy.der"))
                .hwId()
                .orElseThrow();
        assertEquals(64, hwId.length);
    }

    @Test
    void newOctetStringHwIdParses() throws AttestationException {
        byte[] hwId = parse(SnpVectors.resource("trustee-vcek-invalid-new.der"))
                .hwId()
                .orElseThrow();
        assertEquals(64, hwId.length);
        // The wrapped value is the id itself, not the 04 40 header.
        assertFalse(hwId[0] == 0x04 && hwId[1] == 0x40);
    }

    @Test
    void bothEncodingsOfTheSameIdAgree() throws Exception {
        byte[] id = new byte[64];
        for (int i = 0; i < id.length; i++) {
            id[i] = (byte) (0x40 + i);
        }
        VcekExtensions raw = parse(certificateWith(VcekExtensions.OID_HW_ID, id));
        VcekExtensions wrapped = parse(certificateWith(VcekExtensions.OID_HW_ID, new DEROctetString(id).getEncoded()));
        byte[] turinId = Arrays.copyOf(id, 8);
        VcekExtensions turinWrapped =
                parse(certificateWith(VcekExtensions.OID_HW_ID, new DEROctetString(turinId).getEncoded()));

        assertArrayEquals(id, raw.hwId().orElseThrow());
        assertArrayEquals(id, wrapped.hwId().orElseThrow());
        assertArrayEquals(turinId, turinWrapped.hwId().orElseThrow());
    }

    @Test
    void hwIdOfAnOddLengthIsMalformed() throws Exception {
        assertMalformed(certificateWith(VcekExtensions.OID_HW_ID, new byte[63]));
        assertMalformed(certificateWith(VcekExtensions.OID_HW_ID, new byte[66]));
    }

    @Test
    void splThatIsNotAnIntegerIsMalformed() throws Exception {
        assertMalformed(certificateWith(VcekExtensions.OID_SNP_SPL, new DERIA5String("8").getEncoded()));
        assertMalformed(certificateWith(VcekExtensions.OID_SNP_SPL, new byte[] {0x02}));
        assertMalformed(certificateWith(VcekExtensions.OID_SNP_SPL, new byte[] {0x02, 0x01, 0x08, 0x00}));
        assertMalformed(certificateWith(VcekExtensions.OID_SNP_SPL, new byte[] {0x02, 0x01, (byte) 0xFF}));
    }

    @Test
    void productNameOfAnyStringTypeParses() throws Exception {
        VcekExtensions extensions =
                parse(certificateWith(VcekExtensions.OID_PRODUCT_NAME, new DERUTF8String("Genoa-B1").getEncoded()));
        assertEquals(Optional.of("Genoa-B1"), extensions.productName());
    }

    @Test
    void certificateWithoutAmdExtensionsHasNone() throws Exception {
        VcekExtensions extensions = parse(SnpVectors.VIRTEE.arkDer());
        assertTrue(extensions.productName().isEmpty());
        assertTrue(extensions.blSpl().isEmpty());
        assertTrue(extensions.hwId().isEmpty());
    }

    private static VcekExtensions parse(byte[] der) throws AttestationException {
        return VcekExtensions.parse(SnpVectors.x509(der));
    }

    private static void assertMalformed(byte[] der) {
        AttestationException e = assertThrows(AttestationException.class, () -> parse(der));
        assertEquals(Refusal.MALFORMED, e.refusal());
    }

    /** Returns a throwaway certificate carrying one AMD extension with the given extnValue. */
    private static byte[] certificateWith(String oid, byte[] extnValue) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair keyPair = generator.generateKeyPair();
        X500Principal name = new X500Principal("CN=SEV-VCEK");
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                name,
                BigInteger.ZERO,
                Date.from(Instant.parse("2024-01-01T00:00:00Z")),
                Date.from(Instant.parse("2031-01-01T00:00:00Z")),
                name,
                keyPair.getPublic());
        builder.addExtension(new ASN1ObjectIdentifier(oid), false, extnValue);
        return builder.build(new JcaContentSignerBuilder("SHA384withECDSA").build(keyPair.getPrivate()))
                .getEncoded();
    }
}
