package dev.ratchet.attestation.sevsnp;

import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The genuine SEV-SNP test vectors under {@code testvectors/sev-snp/}, with what each one must
 * verify to (see {@code testvectors/README.md} for provenance).
 */
enum SnpVectors {
    GO_SEV_GUEST(
            "go-sev-guest-milan-v2-debug-report.bin",
            "go-sev-guest-milan-vcek.der",
            "ask_ark_milan.pem",
            "Milan",
            2,
            true,
            "vcek",
            0,
            "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01",
            new int[] {2, 0, 5, 0x44}),
    VIRTEE(
            "virtee-milan-v2-report.bin",
            "virtee-milan-vcek.der",
            "ask_ark_milan.pem",
            "Milan",
            2,
            false,
            "vcek",
            0,
            "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f",
            new int[] {3, 0, 8, 0x73}),
    TRUSTEE_V2(
            "trustee-milan-v2-report.bin",
            "trustee-milan-vcek.der",
            "ask_ark_milan.pem",
            "Milan",
            2,
            false,
            "vcek",
            0,
            "a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c",
            new int[] {3, 0, 8, 0x73}),
    TRUSTEE_VLEK(
            "trustee-milan-v3-vlek-report.bin",
            "trustee-milan-vlek.der",
            "ask_ark_milan_vlek.pem",
            "Milan",
            3,
            false,
            "vlek",
            1,
            "8922ebbdd00ec2c541f36a6e7a82a8773a7accb451ed67bc94e740dbe92c93c4e8c9af857f5ceeb5a493df2a570d7bf0",
            new int[] {4, 0, 24, 0xd9}),
    CCF_MILAN(
            "ccf-milan-v3-report.bin",
            "ccf-milan-vcek.pem",
            "ask_ark_milan.pem",
            "Milan",
            3,
            false,
            "vcek",
            0,
            "5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa0096903a0c23fca1",
            new int[] {4, 0, 24, 0xdb}),
    CCF_GENOA(
            "ccf-genoa-v3-report.bin",
            "ccf-genoa-vcek.pem",
            "ask_ark_genoa.pem",
            "Genoa",
            3,
            false,
            "vcek",
            0,
            "5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa0096903a0c23fca1",
            new int[] {10, 0, 23, 0x54});

    /** Inside every SNP chain's validity window (testvectors/README.md "Use"). */
    static final Instant VALID_AT = Instant.parse("2025-06-01T00:00:00Z");

    static final String DIR = "/testvectors/sev-snp/";

    final String reportFile;
    final String leafFile;
    final String bundleFile;
    final String product;
    final int version;
    final boolean debug;
    final String signingKey;
    final int vmpl;
    final String measurementHex;
    /** bl, tee, snp, ucode from REPORTED_TCB. */
    final int[] tcb;

    SnpVectors(
            String reportFile,
            String leafFile,
            String bundleFile,
            String product,
            int version,
            boolean debug,
            String signingKey,
            int vmpl,
            String measurementHex,
            int[] tcb) {
        this.reportFile = reportFile;
        this.leafFile = leafFile;
        this.bundleFile = bundleFile;
        this.product = product;
        this.version = version;
        this.debug = debug;
        this.signingKey = signingKey;
        this.vmpl = vmpl;
        this.measurementHex = measurementHex;
        this.tcb = tcb;
    }

    byte[] report() {
        return resource(reportFile);
    }

    byte[] leafDer() {
        return certificates(leafFile).get(0);
    }

    /** Returns the ASK (or ASVK) of the vector's bundle. */
    byte[] intermediateDer() {
        return certificates(bundleFile).get(0);
    }

    byte[] arkDer() {
        return certificates(bundleFile).get(1);
    }

    /** Returns evidence with the full chain: leaf, intermediate, ARK. */
    Evidence evidence() {
        return evidence(report(), List.of(leafDer(), intermediateDer(), arkDer()));
    }

    static Evidence evidence(byte[] report, List<byte[]> endorsements) {
        return new Evidence(TeePlatform.SEV_SNP, Role.TABLET_STORE, report, endorsements);
    }

    static byte[] resource(String name) {
        try (InputStream in = SnpVectors.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test vector " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the DER of every certificate in a DER or PEM file, in file order. */
    static List<byte[]> certificates(String name) {
        try {
            List<byte[]> ders = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(resource(name)))) {
                ders.add(certificate.getEncoded());
            }
            return ders;
        } catch (CertificateException e) {
            throw new IllegalStateException(name, e);
        }
    }

    static X509Certificate x509(byte[] der) {
        try {
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }
}
