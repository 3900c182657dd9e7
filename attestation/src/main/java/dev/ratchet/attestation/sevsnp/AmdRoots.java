package dev.ratchet.attestation.sevsnp;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The pinned AMD root keys (ARKs) and the public intermediates (ASK, ASVK) for each SEV-SNP
 * product.
 *
 * <p>Trust comes from the SHA-256 fingerprints in this class, not from the resource files: an ARK
 * whose DER does not hash to its pin, or an ASK/ASVK not signed by its product's pinned ARK, makes
 * loading fail. The intermediates are fixed, public KDS certificates shipped so that evidence
 * carrying only the VCEK or VLEK can still be chained; they add no trust of their own because
 * every one is checked against a pinned ARK here and again in each verification. Provenance of
 * the files: {@code README.md} next to them (AMD KDS, via google/go-sev-guest, Apache-2.0).
 */
final class AmdRoots {
    private static final String RESOURCE_DIR = "/dev/ratchet/attestation/sevsnp/";

    /** SHA-256 of each ARK's certificate DER (attestation.md §1.4). */
    private static final Map<SnpProduct, String> ARK_SHA256 = Map.of(
            SnpProduct.MILAN, "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd",
            SnpProduct.GENOA, "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1",
            SnpProduct.TURIN, "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a");

    private static final AmdRoots PINNED = load();

    private final Map<SnpProduct, String> arkSha256;
    private final Map<SnpProduct, X509Certificate> arks;
    private final Map<SnpProduct, X509Certificate> asks;
    private final Map<SnpProduct, X509Certificate> asvks;

    private AmdRoots(
            Map<SnpProduct, String> arkSha256,
            Map<SnpProduct, X509Certificate> arks,
            Map<SnpProduct, X509Certificate> asks,
            Map<SnpProduct, X509Certificate> asvks) {
        this.arkSha256 = arkSha256;
        this.arks = arks;
        this.asks = asks;
        this.asvks = asvks;
    }

    /** Returns the roots and intermediates shipped with Ratchet, checked against the pins. */
    static AmdRoots pinned() {
        return PINNED;
    }

    /**
     * Returns roots that trust exactly the given certificates; for tests that sign reports with a
     * fake AMD hierarchy to reach the checks after the signature. Each ASK and ASVK must still be
     * signed by its ARK.
     */
    static AmdRoots trusting(
            Map<SnpProduct, X509Certificate> arks,
            Map<SnpProduct, X509Certificate> asks,
            Map<SnpProduct, X509Certificate> asvks) {
        Map<SnpProduct, String> fingerprints = new EnumMap<>(SnpProduct.class);
        for (Map.Entry<SnpProduct, X509Certificate> ark : arks.entrySet()) {
            try {
                fingerprints.put(ark.getKey(), sha256Hex(ark.getValue().getEncoded()));
                asks.get(ark.getKey()).verify(ark.getValue().getPublicKey());
                asvks.get(ark.getKey()).verify(ark.getValue().getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException(
                        "intermediates of " + ark.getKey() + " are not signed by its ARK", e);
            }
        }
        return new AmdRoots(Map.copyOf(fingerprints), Map.copyOf(arks), Map.copyOf(asks), Map.copyOf(asvks));
    }

    /** Returns the pinned ARK of {@code product}. */
    X509Certificate ark(SnpProduct product) {
        return arks.get(product);
    }

    /** Returns the ASK (the VCEK issuer) of {@code product}. */
    X509Certificate ask(SnpProduct product) {
        return asks.get(product);
    }

    /** Returns the ASVK (the VLEK issuer) of {@code product}. */
    X509Certificate asvk(SnpProduct product) {
        return asvks.get(product);
    }

    /** Returns the product whose pinned ARK has this DER, if any. */
    Optional<SnpProduct> productOfArk(byte[] certificateDer) {
        String fingerprint = sha256Hex(certificateDer);
        return arkSha256.entrySet().stream()
                .filter(pin -> pin.getValue().equals(fingerprint))
                .map(Map.Entry::getKey)
                .findFirst();
    }

    /** Returns lowercase hex of SHA-256 over {@code bytes}. */
    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    private static AmdRoots load() {
        Map<SnpProduct, X509Certificate> arks = new EnumMap<>(SnpProduct.class);
        Map<SnpProduct, X509Certificate> asks = new EnumMap<>(SnpProduct.class);
        Map<SnpProduct, X509Certificate> asvks = new EnumMap<>(SnpProduct.class);
        for (SnpProduct product : SnpProduct.values()) {
            String name = product.kdsName().toLowerCase(java.util.Locale.ROOT);
            X509Certificate ark = read("ark-" + name + ".pem");
            String fingerprint;
            try {
                fingerprint = sha256Hex(ark.getEncoded());
                // An ARK signs itself; checking it here catches a corrupted resource at startup.
                ark.verify(ark.getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("ARK-" + product + " does not verify its own signature", e);
            }
            if (!fingerprint.equals(ARK_SHA256.get(product))) {
                throw new IllegalStateException("ARK-" + product + " resource has SHA-256 " + fingerprint
                        + ", not the pinned " + ARK_SHA256.get(product));
            }
            arks.put(product, ark);
            asks.put(product, intermediate(product, ark, "ask-" + name + ".pem"));
            asvks.put(product, intermediate(product, ark, "asvk-" + name + ".pem"));
        }
        return new AmdRoots(ARK_SHA256, Map.copyOf(arks), Map.copyOf(asks), Map.copyOf(asvks));
    }

    private static X509Certificate intermediate(SnpProduct product, X509Certificate ark, String resource) {
        X509Certificate certificate = read(resource);
        try {
            certificate.verify(ark.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(resource + " is not signed by the pinned ARK-" + product, e);
        }
        return certificate;
    }

    private static X509Certificate read(String resource) {
        try (InputStream in = AmdRoots.class.getResourceAsStream(RESOURCE_DIR + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE_DIR + resource);
            }
            Collection<? extends java.security.cert.Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.size() != 1) {
                throw new IllegalStateException(resource + " holds " + certificates.size() + " certificates, not 1");
            }
            return (X509Certificate) certificates.iterator().next();
        } catch (IOException | CertificateException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }
}
