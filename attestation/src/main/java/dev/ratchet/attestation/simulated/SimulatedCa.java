package dev.ratchet.attestation.simulated;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * INSECURE: a local stand-in for a TEE vendor's root of trust, for development and tests only.
 *
 * <p>A real CA (ECDSA P-384 key and self-signed certificate) that issues "machine" endorsement
 * certificates, the way AMD's ARK issues VCEKs. Anyone who holds its key can forge any
 * measurement, so evidence that chains to it proves nothing; {@link
 * dev.ratchet.attestation.AttestationVerifier} refuses it unless the policy explicitly allows
 * simulated evidence. The CA exists so that the signature, chain, binding and policy code paths
 * run for real without TEE hardware.
 */
public final class SimulatedCa {
    /** The subject of every simulated root, so no one can mistake it for a vendor's. */
    public static final String ROOT_SUBJECT =
            "CN=SIMULATED TEE ROOT - NOT A HARDWARE TEE, O=Ratchet INSECURE simulation";

    static final String SIGNATURE_ALGORITHM = "SHA384withECDSA";
    private static final Duration ROOT_VALIDITY = Duration.ofDays(3650);
    private static final Duration MACHINE_VALIDITY = Duration.ofDays(365);
    private static final String CERTIFICATE_FILE = "simulated-ca.pem";
    private static final String KEY_FILE = "simulated-ca-key.pem";
    private static final String LOCK_FILE = ".lock";

    private final KeyPair keyPair;
    private final X509Certificate certificate;
    private final Clock clock;

    private SimulatedCa(KeyPair keyPair, X509Certificate certificate, Clock clock) {
        this.keyPair = keyPair;
        this.certificate = certificate;
        this.clock = clock;
    }

    /** Creates a new CA with a fresh key, valid for ten years from the clock's now. */
    public static SimulatedCa create(Clock clock) {
        KeyPair keyPair = newP384KeyPair();
        X500Name subject = new X500Name(ROOT_SUBJECT);
        Instant now = clock.instant();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                subject,
                new BigInteger(63, new SecureRandom()),
                Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(ROOT_VALIDITY)),
                subject,
                keyPair.getPublic());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(1));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (CertIOException e) {
            throw new IllegalStateException(e);
        }
        return new SimulatedCa(keyPair, sign(builder, keyPair.getPrivate()), clock);
    }

    /**
     * Loads the CA kept in {@code directory}, or creates one there if there is none.
     *
     * <p>A development cluster shares one CA between its processes through this directory.
     */
    // Synchronized as well: a file lock excludes other processes, not other threads of this one.
    public static synchronized SimulatedCa loadOrCreate(Path directory, Clock clock) throws IOException {
        Path certificateFile = directory.resolve(CERTIFICATE_FILE);
        Path keyFile = directory.resolve(KEY_FILE);
        Files.createDirectories(directory);
        // Processes of one development cluster start together; an exclusive lock on a file in the
        // directory makes exactly one of them create the CA and the others load it.
        try (FileChannel lockFile = FileChannel.open(
                        directory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = lockFile.lock()) {
            if (Files.exists(certificateFile) && Files.exists(keyFile)) {
                return load(certificateFile, keyFile, clock);
            }
            SimulatedCa ca = create(clock);
            Files.writeString(keyFile, ca.privateKeyPem(), StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system; the key is simulated and insecure by definition anyway.
            }
            Files.writeString(certificateFile, ca.certificatePem(), StandardCharsets.US_ASCII);
            return ca;
        }
    }

    /** Returns the path of the root certificate inside a CA directory. */
    public static Path certificateFile(Path directory) {
        return directory.resolve(CERTIFICATE_FILE);
    }

    private static SimulatedCa load(Path certificateFile, Path keyFile, Clock clock) throws IOException {
        try {
            X509Certificate certificate = (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(Files.newInputStream(certificateFile));
            byte[] pkcs8;
            try (PemReader reader = new PemReader(new StringReader(Files.readString(keyFile)))) {
                PemObject pem = reader.readPemObject();
                if (pem == null) {
                    throw new IOException("no PEM key in " + keyFile);
                }
                pkcs8 = pem.getContent();
            }
            PrivateKey privateKey = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            return new SimulatedCa(new KeyPair(certificate.getPublicKey(), privateKey), certificate, clock);
        } catch (GeneralSecurityException e) {
            throw new IOException("unreadable simulated CA in " + certificateFile.getParent(), e);
        }
    }

    /** Returns the root certificate, the trust anchor a {@link SimulatedVerifier} is given. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** Returns the root certificate in PEM. */
    public String certificatePem() {
        return toPem(certificate);
    }

    /**
     * Issues a new simulated machine: a fresh P-384 key with an endorsement certificate from this
     * CA, the analogue of a chip's VCEK.
     */
    public SimulatedMachine issueMachine() {
        KeyPair machineKey = newP384KeyPair();
        byte[] machineId = new byte[SimulatedReport.MACHINE_ID_BYTES];
        new SecureRandom().nextBytes(machineId);
        Instant now = clock.instant();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                certificate,
                new BigInteger(63, new SecureRandom()),
                Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(MACHINE_VALIDITY)),
                new X500Name("CN=SIMULATED TEE MACHINE "
                        + java.util.HexFormat.of().formatHex(machineId) + ", O=Ratchet INSECURE simulation"),
                machineKey.getPublic());
        return new SimulatedMachine(machineId, machineKey, sign(builder, keyPair.getPrivate()), certificate);
    }

    private String privateKeyPem() {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(new PemObject("PRIVATE KEY", keyPair.getPrivate().getEncoded()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return text.toString();
    }

    static String toPem(X509Certificate certificate) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(certificate);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return text.toString();
    }

    static KeyPair newP384KeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp384r1"), new SecureRandom());
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate P-384 keys", e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(issuerKey)));
        } catch (OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("could not sign a simulated certificate", e);
        }
    }
}
