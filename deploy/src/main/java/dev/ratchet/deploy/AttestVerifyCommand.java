package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.AttestationPolicy;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.EvidenceVerifier;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import dev.ratchet.attestation.VerifiedClaims;
import dev.ratchet.attestation.sevsnp.SevSnpVerifier;
import dev.ratchet.attestation.simulated.SimulatedCa;
import dev.ratchet.attestation.simulated.SimulatedVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ratchet attest verify}: checks one piece of evidence and prints a one-line verdict.
 *
 * <p>Output contract (scripts rely on it): the first line is {@code VALID <platform>
 * measurement=<hex> debug=<true|false>} with exit 0, or {@code INVALID <code>: <detail>} with
 * exit 1, where the code is a {@link Refusal} code. Exit 2 is a usage error. Further lines give
 * details for people. Any measurement is accepted (there is no allow-list here); debug and
 * simulated evidence are refused unless allowed by flags.
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = "Verify TEE evidence against pinned vendor roots and print VALID or INVALID.")
final class AttestVerifyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--platform",
            required = true,
            paramLabel = "sev-snp|simulated",
            description = "Evidence platform: sev-snp or simulated.")
    String platformName;

    @Option(
            names = "--evidence",
            required = true,
            paramLabel = "FILE",
            description = "Evidence: binary, hex or base64. For sev-snp a raw 1184-byte report or a"
                    + " Ratchet evidence record; for simulated a Ratchet evidence record.")
    Path evidenceFile;

    @Option(
            names = "--cert",
            paramLabel = "FILE",
            description = "PEM or DER certificates. sev-snp: the VCEK/VLEK and optionally ASK/ARK"
                    + " (roots are pinned regardless). simulated: the simulated root to trust"
                    + " (default: the local simulated CA).")
    List<Path> certificateFiles = new ArrayList<>();

    @Option(
            names = "--at",
            paramLabel = "ISO-8601-INSTANT",
            description = "Check certificate validity at this instant instead of now.")
    String at;

    @Option(names = "--allow-debug", description = "Accept a TEE in debug mode.")
    boolean allowDebug;

    @Option(names = "--allow-simulated", description = "Accept INSECURE simulated evidence.")
    boolean allowSimulated;

    @Option(
            names = "--sim-ca",
            paramLabel = "DIR",
            description = "Directory of the local simulated CA (default: ${DEFAULT-VALUE}).")
    Path simulatedCaDirectory = DevelopmentDefaults.simulatedCaDirectory();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        TeePlatform platform = parsePlatform();
        Instant now = parseInstant();
        try {
            byte[] evidenceBytes = EvidenceFile.readEvidence(evidenceFile);
            List<X509Certificate> certificates = new ArrayList<>();
            for (Path file : certificateFiles) {
                certificates.addAll(EvidenceFile.readCertificates(file));
            }
            EvidenceVerifier platformVerifier = platformVerifier(platform, certificates);
            return verify(out, platform, evidenceBytes, certificates, platformVerifier, now);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot read input: " + describe(e));
        } catch (AttestationException e) {
            return invalid(out, e.getMessage());
        }
    }

    /** Verifies and prints the verdict; usage errors have all been raised before this runs. */
    private int verify(
            PrintWriter out,
            TeePlatform platform,
            byte[] evidenceBytes,
            List<X509Certificate> certificates,
            EvidenceVerifier platformVerifier,
            Instant now) {
        try {
            Evidence evidence = evidence(platform, evidenceBytes, certificates);
            AttestationPolicy policy = AttestationPolicy.builder()
                    .allowAnyMeasurement()
                    .allowDebug(allowDebug)
                    .allowSimulated(allowSimulated)
                    .build();
            AttestationVerifier verifier = new AttestationVerifier(policy, List.of(platformVerifier));
            VerifiedClaims claims = verifier.verifyEvidence(evidence, null, now);
            out.println("VALID " + claims.platform() + " measurement=" + claims.measurementHex() + " debug="
                    + claims.debug());
            out.println("report_data=" + java.util.HexFormat.of().formatHex(claims.reportData()));
            if (!claims.tcb().isEmpty()) {
                out.println("tcb=" + new java.util.TreeMap<>(claims.tcb()));
            }
            new java.util.TreeMap<>(claims.details()).forEach((key, value) -> out.println(key + "=" + value));
            if (platform == TeePlatform.SIMULATED) {
                out.println("WARNING: INSECURE simulated evidence proves nothing about a TEE");
            }
            out.flush();
            return 0;
        } catch (AttestationException e) {
            return invalid(out, e.getMessage());
        } catch (RuntimeException e) {
            // A verifier bug must still honour the output contract, not print a trace.
            return invalid(
                    out,
                    Refusal.MALFORMED.code() + ": unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static int invalid(PrintWriter out, String reason) {
        out.println("INVALID " + reason);
        out.flush();
        return 1;
    }

    private static String describe(IOException e) {
        return e instanceof NoSuchFileException missing ? "no such file: " + missing.getFile() : e.toString();
    }

    private Evidence evidence(TeePlatform platform, byte[] bytes, List<X509Certificate> certificates)
            throws AttestationException {
        if (bytes.length > 0 && (bytes[0] & 0xff) == 0x85) {
            // A Ratchet evidence record (a 5-item CBOR array); its platform must match the flag.
            Evidence evidence = Evidence.decode(bytes);
            if (evidence.platform() != platform) {
                throw new AttestationException(
                        Refusal.UNSUPPORTED_PLATFORM,
                        "evidence is for " + evidence.platform() + " but --platform is " + platform);
            }
            if (platform == TeePlatform.SEV_SNP && !certificates.isEmpty()) {
                return new Evidence(platform, evidence.role(), evidence.report(), endorsements(certificates));
            }
            return evidence;
        }
        if (platform == TeePlatform.SIMULATED) {
            return Evidence.decode(bytes);
        }
        // A bare vendor report states no role; the role only matters for measurement allow-lists,
        // which this command does not apply.
        return new Evidence(platform, Role.CLIENT, bytes, endorsements(certificates));
    }

    /** Orders certificates leaf first: end-entity certificates before CA certificates. */
    private static List<byte[]> endorsements(List<X509Certificate> certificates) throws AttestationException {
        List<X509Certificate> ordered = new ArrayList<>(certificates);
        ordered.sort(Comparator.comparing(certificate -> certificate.getBasicConstraints() >= 0));
        List<byte[]> der = new ArrayList<>();
        for (X509Certificate certificate : ordered) {
            try {
                der.add(certificate.getEncoded());
            } catch (CertificateEncodingException e) {
                throw new AttestationException(Refusal.CHAIN, "unencodable certificate", e);
            }
        }
        return der;
    }

    private EvidenceVerifier platformVerifier(TeePlatform platform, List<X509Certificate> certificates)
            throws IOException, AttestationException {
        if (platform == TeePlatform.SEV_SNP) {
            return new SevSnpVerifier();
        }
        List<X509Certificate> roots = certificates;
        if (roots.isEmpty()) {
            Path caFile = SimulatedCa.certificateFile(simulatedCaDirectory);
            if (!Files.exists(caFile)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "no simulated root: pass --cert or create one with 'ratchet attest identity' (looked in "
                                + caFile + ")");
            }
            roots = EvidenceFile.readCertificates(caFile);
        }
        return new SimulatedVerifier(roots);
    }

    private TeePlatform parsePlatform() {
        if ("sev-snp".equals(platformName)) {
            return TeePlatform.SEV_SNP;
        }
        if ("simulated".equals(platformName)) {
            return TeePlatform.SIMULATED;
        }
        throw new CommandLine.ParameterException(
                spec.commandLine(), "--platform must be sev-snp or simulated, not '" + platformName + "'");
    }

    private Instant parseInstant() {
        if (at == null) {
            return Instant.now();
        }
        try {
            return Instant.parse(at);
        } catch (DateTimeParseException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--at must be an ISO-8601 instant such as 2025-06-01T00:00:00Z: " + at);
        }
    }
}
