package dev.ratchet.bench;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * An ordinary, unattested PKI for the plain-Ratis baseline: one self-signed CA and leaf
 * certificates it issues for 127.0.0.1, each turned into a mutual-TLS {@link GrpcTlsConfig} built
 * from the JDK's stock PKIX key and trust managers.
 *
 * <p>Keys are EC P-256 like Ratchet's node identities, so both systems do the same handshake
 * arithmetic; per-record TLS work (AES-GCM) does not depend on the key type anyway.
 */
final class SelfSignedPki {
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final char[] PASSWORD = "bench".toCharArray();

    private final SecureRandom random = new SecureRandom();
    private final KeyPair caKeys;
    private final X509Certificate caCertificate;
    private long serial = 1;

    SelfSignedPki() throws GeneralSecurityException {
        this.caKeys = newKeyPair();
        this.caCertificate = issue(new X500Name("CN=ratis-mtls-bench-ca"), caKeys, true);
    }

    /** Returns a mutual-TLS conf presenting a fresh certificate named {@code commonName}. */
    GrpcTlsConfig newTlsConfig(String commonName) throws GeneralSecurityException {
        KeyPair keys = newKeyPair();
        X509Certificate leaf = issue(new X500Name("CN=" + commonName), keys, false);
        return new GrpcTlsConfig(keyManager(keys, leaf), trustManager(), true);
    }

    // The CA signs every certificate, its own included; leaves name 127.0.0.1 and localhost.
    private X509Certificate issue(X500Name subject, KeyPair keys, boolean ca) throws GeneralSecurityException {
        X500Name issuer = ca
                ? subject
                : new X500Name(caCertificate.getSubjectX500Principal().getName());
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            issuer, nextSerial(), notBefore(), notAfter(), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (!ca) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.dNSName, "localhost")
                }));
            }
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(caKeys.getPrivate())));
        } catch (CertIOException | OperatorCreationException e) {
            throw new GeneralSecurityException("cannot issue a bench certificate", e);
        }
    }

    private KeyManager keyManager(KeyPair keys, X509Certificate leaf) throws GeneralSecurityException {
        KeyStore store = emptyStore();
        store.setKeyEntry("leaf", keys.getPrivate(), PASSWORD, new Certificate[] {leaf, caCertificate});
        KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
        factory.init(store, PASSWORD);
        return factory.getKeyManagers()[0];
    }

    private TrustManager trustManager() throws GeneralSecurityException {
        KeyStore store = emptyStore();
        store.setCertificateEntry("ca", caCertificate);
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        return factory.getTrustManagers()[0];
    }

    private KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        return generator.generateKeyPair();
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            return store;
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("cannot create an in-memory key store", e);
        }
    }

    private BigInteger nextSerial() {
        return BigInteger.valueOf(serial++);
    }

    private static Date notBefore() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date notAfter() {
        return Date.from(Instant.now().plus(Duration.ofDays(1)));
    }
}
