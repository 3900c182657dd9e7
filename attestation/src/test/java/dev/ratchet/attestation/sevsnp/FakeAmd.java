package dev.ratchet.attestation.sevsnp;

import dev.ratchet.attestation.Evidence;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A fake AMD key hierarchy (ARK → ASK/ASVK → VCEK/VLEK) and report signer for tests.
 *
 * <p>Genuine vectors cannot be re-signed, so the checks that run after the report signature
 * (SPLs against REPORTED_TCB, hwID against CHIP_ID, VMPL, unsigned reports) are tested with
 * byte-exact reports signed by these keys, through a verifier that trusts this hierarchy. Keys are
 * RSA-2048 rather than AMD's 4096 to keep tests fast; the PSS parameters match AMD's.
 */
final class FakeAmd {
    static final Instant NOT_BEFORE = Instant.parse("2024-01-01T00:00:00Z");
    static final Instant NOT_AFTER = Instant.parse("2031-01-01T00:00:00Z");

    /** A private instance: the JDK has no signer by this name, and nothing is registered globally. */
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private static final Map<SnpProduct, FakeAmd> HIERARCHIES = new EnumMap<>(SnpProduct.class);

    final SnpProduct product;
    final X509Certificate ark;
    final X509Certificate ask;
    final X509Certificate asvk;
    private final KeyPair askKeys;
    private final KeyPair asvkKeys;

    private FakeAmd(SnpProduct product) throws Exception {
        this.product = product;
        KeyPair arkKeys = rsa();
        askKeys = rsa();
        asvkKeys = rsa();
        X500Principal arkName = new X500Principal("CN=ARK-" + product.kdsName() + ", O=Fake AMD");
        ark = certificate(arkName, arkName, arkKeys.getPublic(), arkKeys.getPrivate(), true, Map.of());
        ask = certificate(
                new X500Principal("CN=SEV-" + product.kdsName() + ", O=Fake AMD"),
                arkName,
                askKeys.getPublic(),
                arkKeys.getPrivate(),
                true,
                Map.of());
        asvk = certificate(
                new X500Principal("CN=SEV-VLEK-" + product.kdsName() + ", O=Fake AMD"),
                arkName,
                asvkKeys.getPublic(),
                arkKeys.getPrivate(),
                true,
                Map.of());
    }

    /** Returns the (cached) fake hierarchy of {@code product}. */
    static synchronized FakeAmd of(SnpProduct product) {
        return HIERARCHIES.computeIfAbsent(product, p -> {
            try {
                return new FakeAmd(p);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Returns roots that trust the fake hierarchies of every product. */
    static AmdRoots roots() {
        Map<SnpProduct, X509Certificate> arks = new EnumMap<>(SnpProduct.class);
        Map<SnpProduct, X509Certificate> asks = new EnumMap<>(SnpProduct.class);
        Map<SnpProduct, X509Certificate> asvks = new EnumMap<>(SnpProduct.class);
        for (SnpProduct product : SnpProduct.values()) {
            FakeAmd fake = of(product);
            arks.put(product, fake.ark);
            asks.put(product, fake.ask);
            asvks.put(product, fake.asvk);
        }
        return AmdRoots.trusting(arks, asks, asvks);
    }

    /** An endorsement key with its certificate. */
    record Leaf(KeyPair keys, X509Certificate certificate) {
        byte[] der() {
            try {
                return certificate.getEncoded();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Issues a VCEK (or, with {@code vlek}, a VLEK) carrying the given AMD extensions; map values
     * are extnValue bytes, and a null map value leaves that extension out.
     */
    Leaf leaf(boolean vlek, Map<String, byte[]> amdExtensions) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair keys = generator.generateKeyPair();
        X509Certificate issuer = vlek ? asvk : ask;
        X509Certificate certificate = certificate(
                new X500Principal("CN=" + (vlek ? "SEV-VLEK" : "SEV-VCEK") + ", O=Fake AMD"),
                issuer.getSubjectX500Principal(),
                keys.getPublic(),
                (vlek ? asvkKeys : askKeys).getPrivate(),
                false,
                amdExtensions);
        return new Leaf(keys, certificate);
    }

    /** Returns the extensions KDS would write for this TCB, product name and hwID. */
    static Map<String, byte[]> extensions(String productName, Map<String, Integer> spls, byte[] hwId) throws Exception {
        Map<String, byte[]> extensions = new java.util.HashMap<>();
        extensions.put(VcekExtensions.OID_PRODUCT_NAME, new DERIA5String(productName).getEncoded());
        Map<String, String> oids = Map.of(
                "bl", VcekExtensions.OID_BL_SPL,
                "tee", VcekExtensions.OID_TEE_SPL,
                "snp", VcekExtensions.OID_SNP_SPL,
                "ucode", VcekExtensions.OID_UCODE_SPL,
                "fmc", VcekExtensions.OID_FMC_SPL);
        for (Map.Entry<String, Integer> spl : spls.entrySet()) {
            extensions.put(oids.get(spl.getKey()), new ASN1Integer(spl.getValue()).getEncoded());
        }
        if (hwId != null) {
            extensions.put(VcekExtensions.OID_HW_ID, hwId);
        }
        return extensions;
    }

    /** Returns evidence with just the leaf, as a guest with shipped intermediates would send. */
    static Evidence evidence(byte[] report, Leaf leaf) {
        return SnpVectors.evidence(report, List.of(leaf.der()));
    }

    /** A mutable SNP report that signs itself. */
    static final class Report {
        final byte[] bytes = new byte[SnpReport.REPORT_BYTES];

        Report(int version) {
            putLe32(0x000, version);
            putLe64(0x008, 0x30000L); // SMT allowed, reserved bit 17
            putLe32(0x034, 1);
            for (int i = 0; i < SnpReport.MEASUREMENT_BYTES; i++) {
                bytes[0x090 + i] = (byte) (0xA0 + i);
            }
        }

        Report vmpl(long vmpl) {
            putLe32(0x030, (int) vmpl);
            return this;
        }

        Report keyInfo(int keyInfo) {
            putLe32(0x048, keyInfo);
            return this;
        }

        /** Sets REPORTED_TCB (and CURRENT_TCB, which a genuine report usually equals). */
        Report tcb(byte[] tcb) {
            System.arraycopy(tcb, 0, bytes, 0x180, 8);
            System.arraycopy(tcb, 0, bytes, 0x038, 8);
            return this;
        }

        Report cpuid(int family, int model, int stepping) {
            bytes[0x188] = (byte) family;
            bytes[0x189] = (byte) model;
            bytes[0x18A] = (byte) stepping;
            return this;
        }

        Report chipId(byte[] chipId) {
            System.arraycopy(chipId, 0, bytes, 0x1A0, chipId.length);
            return this;
        }

        /** Signs bytes 0..0x29F with {@code key} and stores R and S little-endian. */
        byte[] signedBy(PrivateKey key) throws Exception {
            Signature signer = Signature.getInstance("SHA384withECDSA");
            signer.initSign(key);
            signer.update(bytes, 0, SnpReport.SIGNED_BYTES);
            ASN1Sequence sequence = ASN1Sequence.getInstance(signer.sign());
            putLittleEndian(
                    0x2A0, ASN1Integer.getInstance(sequence.getObjectAt(0)).getValue());
            putLittleEndian(
                    0x2E8, ASN1Integer.getInstance(sequence.getObjectAt(1)).getValue());
            return bytes.clone();
        }

        private void putLittleEndian(int offset, BigInteger value) {
            byte[] bigEndian = value.toByteArray();
            for (int i = 0; i < bigEndian.length && i < SnpReport.SIGNATURE_COMPONENT_BYTES; i++) {
                bytes[offset + i] = bigEndian[bigEndian.length - 1 - i];
            }
        }

        private void putLe32(int offset, int value) {
            ByteBuffer.wrap(bytes, offset, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(value);
        }

        private void putLe64(int offset, long value) {
            ByteBuffer.wrap(bytes, offset, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        }
    }

    private static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static X509Certificate certificate(
            X500Principal subject,
            X500Principal issuer,
            PublicKey key,
            PrivateKey issuerKey,
            boolean ca,
            Map<String, byte[]> amdExtensions)
            throws Exception {
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                issuer, BigInteger.ZERO, Date.from(NOT_BEFORE), Date.from(NOT_AFTER), subject, key);
        if (ca) {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        }
        for (Map.Entry<String, byte[]> extension : amdExtensions.entrySet()) {
            builder.addExtension(new ASN1ObjectIdentifier(extension.getKey()), false, extension.getValue());
        }
        return SnpVectors.x509(builder.build(new JcaContentSignerBuilder("SHA384withRSAandMGF1")
                        .setProvider(BC)
                        .build(issuerKey))
                .getEncoded());
    }
}
