package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code ratchet attest verify} contract on the real SEV-SNP vectors: every genuine vector is
 * VALID, every single-field tamper is INVALID with the reason that names the field.
 */
class AttestVerifyCommandTest {
    /** Inside every SNP chain's validity window (testvectors/README.md). */
    private static final String AT = "2025-06-01T00:00:00Z";

    /** The ASK is found by the verifier when omitted, so some vectors pass only the leaf. */
    record Vector(String report, String leaf, String chain, boolean debug) {}

    static Stream<Vector> genuineVectors() {
        return Stream.of(
                new Vector("virtee-milan-v2-report.bin", "virtee-milan-vcek.der", "ask_ark_milan.pem", false),
                new Vector("trustee-milan-v2-report.bin", "trustee-milan-vcek.der", "ask_ark_milan.pem", false),
                new Vector(
                        "trustee-milan-v3-vlek-report.bin", "trustee-milan-vlek.der", "ask_ark_milan_vlek.pem", false),
                new Vector("ccf-milan-v3-report.bin", "ccf-milan-vcek.pem", "ask_ark_milan.pem", false),
                new Vector("ccf-genoa-v3-report.bin", "ccf-genoa-vcek.pem", "ask_ark_genoa.pem", false),
                new Vector(
                        "go-sev-guest-milan-v2-debug-report.bin",
                        "go-sev-guest-milan-vcek.der",
                        "ask_ark_milan.pem",
                        true));
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("genuineVectors")
    void genuineVector_isValid(Vector vector) throws IOException {
        Result result = verifySnp(vector, vector(vector.report()), vector.debug() ? "--allow-debug" : null);
        assertEquals(0, result.exitCode(), result.text());
        assertTrue(
                result.firstLine().matches("VALID sev-snp measurement=[0-9a-f]{96} debug=" + vector.debug()),
                result.firstLine());
    }

    @ParameterizedTest
    @MethodSource("genuineVectors")
    void genuineVector_withoutItsChainFile_isValid(Vector vector) throws IOException {
        Result result = verify(vector(vector.report()), AT, List.of(copy(vector.leaf())), "--allow-debug");
        assertEquals(0, result.exitCode(), result.text());
    }

    @Test
    void debugVector_withoutAllowDebug_isInvalidDebug() throws IOException {
        Vector debug = genuineVectors().filter(Vector::debug).findFirst().orElseThrow();
        assertInvalid("debug", verifySnp(debug, vector(debug.report()), null));
    }

    @ParameterizedTest
    @MethodSource("genuineVectors")
    void tamperedMeasurement_isInvalidSignature(Vector vector) throws IOException {
        assertInvalid("signature", verifySnp(vector, flip(vector(vector.report()), 0x90 + 7), "--allow-debug"));
    }

    @ParameterizedTest
    @MethodSource("genuineVectors")
    void tamperedReportData_isInvalidSignature(Vector vector) throws IOException {
        assertInvalid("signature", verifySnp(vector, flip(vector(vector.report()), 0x50 + 3), "--allow-debug"));
    }

    @ParameterizedTest
    @MethodSource("genuineVectors")
    void tamperedSignature_isInvalidSignature(Vector vector) throws IOException {
        assertInvalid("signature", verifySnp(vector, flip(vector(vector.report()), 0x2A0 + 5), "--allow-debug"));
    }

    @ParameterizedTest
    @MethodSource("genuineVectors")
    void tamperedVcekSignature_isInvalidChain(Vector vector) throws IOException {
        byte[] leaf = derOf(vector.leaf());
        Path tampered = write("leaf.der", flip(leaf, leaf.length - 10));
        Result result = verify(vector(vector.report()), AT, List.of(tampered, copy(vector.chain())), "--allow-debug");
        assertInvalid("chain", result);
    }

    @ParameterizedTest
    @MethodSource("genuineVectors")
    void chainEndingInAnotherProductsRoot_isInvalidWrongRoot(Vector vector) throws IOException {
        // The vector's own ASK, but the ARK of a different product: a root that is not this chain's.
        String otherBundle = vector.chain().contains("genoa") ? "ask_ark_milan.pem" : "ask_ark_genoa.pem";
        List<String> own = pemBlocks(vector(vector.chain()));
        List<String> other = pemBlocks(vector(otherBundle));
        Path mixed = write("mixed-chain.pem", (own.get(0) + other.get(1)).getBytes(StandardCharsets.US_ASCII));
        Result result = verify(vector(vector.report()), AT, List.of(copy(vector.leaf()), mixed), "--allow-debug");
        assertInvalid("wrong_root", result);
    }

    private static List<String> pemBlocks(byte[] pem) {
        List<String> blocks = new ArrayList<>();
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile(
                        "-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\\s*", java.util.regex.Pattern.DOTALL)
                .matcher(new String(pem, StandardCharsets.US_ASCII));
        while (matcher.find()) {
            blocks.add(matcher.group());
        }
        return blocks;
    }

    @ParameterizedTest
    @MethodSource("genuineVectors")
    void expired_isInvalidExpired(Vector vector) throws IOException {
        Result result = verify(
                vector(vector.report()),
                "2040-01-01T00:00:00Z",
                List.of(copy(vector.leaf()), copy(vector.chain())),
                "--allow-debug");
        assertInvalid("expired", result);
    }

    @Test
    void vlekVector_atTodaysDate_isExpired() throws IOException {
        Vector vlek = genuineVectors()
                .filter(v -> v.leaf().contains("vlek"))
                .findFirst()
                .orElseThrow();
        Result result = verify(vector(vlek.report()), "2026-11-22T00:00:00Z", List.of(copy(vlek.leaf())));
        assertInvalid("expired", result);
    }

    @Test
    void evidence_asHexAndBase64_isValid() throws IOException {
        Vector vector = genuineVectors().findFirst().orElseThrow();
        byte[] report = vector(vector.report());
        String hex = HexFormat.of().formatHex(report);
        String base64 = Base64.getMimeEncoder().encodeToString(report);
        for (String text : List.of(hex, hex.toUpperCase(), base64)) {
            Path file = write("report.txt", text.getBytes(StandardCharsets.US_ASCII));
            Result result = run(
                    "attest",
                    "verify",
                    "--platform",
                    "sev-snp",
                    "--evidence",
                    file.toString(),
                    "--cert",
                    copy(vector.leaf()).toString(),
                    "--at",
                    AT);
            assertEquals(0, result.exitCode(), result.text());
        }
    }

    @Test
    void malformedEvidence_isInvalidMalformedWithoutTrace() throws IOException {
        Vector vector = genuineVectors().findFirst().orElseThrow();
        byte[] report = vector(vector.report());
        byte[] random = new byte[1184];
        new Random(7).nextBytes(random);
        List<byte[]> inputs = new ArrayList<>(List.of(
                java.util.Arrays.copyOf(report, 1183),
                java.util.Arrays.copyOf(report, 1185),
                random,
                new byte[2 * 1024 * 100]));
        for (byte[] input : inputs) {
            Result result = verify(input, AT, List.of(copy(vector.leaf())));
            assertInvalid("malformed", result);
        }
    }

    @Test
    void emptyEvidence_isInvalidNoEvidence() throws IOException {
        Vector vector = genuineVectors().findFirst().orElseThrow();
        Result result = verify(new byte[0], AT, List.of(copy(vector.leaf())));
        assertEquals(1, result.exitCode(), result.text());
        assertTrue(result.firstLine().startsWith("INVALID "), result.firstLine());
        assertNoTrace(result);
    }

    @Test
    void usageErrors_exitTwo() throws IOException {
        Path report = write("report.bin", vector("virtee-milan-v2-report.bin"));
        assertEquals(2, run("attest", "verify", "--evidence", report.toString()).exitCode());
        assertEquals(
                2,
                run("attest", "verify", "--platform", "tdx", "--evidence", report.toString())
                        .exitCode());
        assertEquals(
                2,
                run("attest", "verify", "--platform", "sev-snp", "--evidence", report.toString(), "--at", "yesterday")
                        .exitCode());
        assertEquals(
                2,
                run(
                                "attest",
                                "verify",
                                "--platform",
                                "sev-snp",
                                "--evidence",
                                dir.resolve("missing.bin").toString())
                        .exitCode());
        assertEquals(2, run("attest", "bogus").exitCode());
        assertEquals(2, run().exitCode());
    }

    @Test
    void certificateFileThatHoldsNoCertificate_isInvalidMalformed() throws IOException {
        // A corrupted VCEK file is bad evidence, like a truncated report, not a usage error.
        Vector vector = genuineVectors().findFirst().orElseThrow();
        byte[] leaf = derOf(vector.leaf());
        Path truncated = write("truncated-vcek.der", java.util.Arrays.copyOf(leaf, leaf.length / 2));
        Path notACertificate = write("report-as-cert.bin", vector(vector.report()));
        for (Path certificate : List.of(truncated, notACertificate)) {
            assertInvalid("malformed", verify(vector(vector.report()), AT, List.of(certificate)));
        }
    }

    @Test
    void evidenceFileOverTheSizeLimit_isInvalidMalformed() throws IOException {
        Vector vector = genuineVectors().findFirst().orElseThrow();
        byte[] oversized = new byte[(int) EvidenceFile.FILE_BYTES_MAX + 1];
        Result result = verify(oversized, AT, List.of(copy(vector.leaf())));
        assertInvalid("malformed", result);
        assertTrue(result.firstLine().contains("over the limit"), result.firstLine());
    }

    @Test
    void simulatedWithoutAnyRoot_isAUsageError() throws IOException {
        Path evidence = dir.resolve("evidence.hex");
        assertEquals(
                0, simulatedIdentity("client", dir.resolve("sim-ca"), evidence).exitCode());
        Result result = verifySimulated(evidence, dir.resolve("no-such-ca"), "--allow-simulated");
        assertEquals(2, result.exitCode(), result.text());
        assertTrue(result.err().contains("no simulated root"), result.text());
        assertEquals("", result.out(), result.text());
    }

    @Test
    void simulatedIdentity_verifiesOnlyWithAllowSimulated() throws IOException {
        Path ca = dir.resolve("sim-ca");
        Path evidence = dir.resolve("evidence.hex");
        Result identity = simulatedIdentity("cache", ca, evidence);
        assertEquals(0, identity.exitCode(), identity.text());
        assertTrue(identity.firstLine().matches("node-id [0-9a-f]{64}"), identity.firstLine());

        Result allowed = verifySimulated(evidence, ca, "--allow-simulated");
        assertEquals(0, allowed.exitCode(), allowed.text());
        assertTrue(
                allowed.firstLine().matches("VALID simulated measurement=[0-9a-f]{96} debug=false"),
                allowed.firstLine());

        assertInvalid("simulated_not_allowed", verifySimulated(evidence, ca));

        // Against another simulated root the same evidence is refused.
        Path otherCa = dir.resolve("other-ca");
        assertEquals(
                0,
                run("attest", "identity", "--role", "cache", "--sim-ca", otherCa.toString())
                        .exitCode());
        assertInvalid("wrong_root", verifySimulated(evidence, otherCa, "--allow-simulated"));

        // Simulated evidence handed to the SEV-SNP verifier is refused, not misread.
        assertInvalid(
                "unsupported_platform",
                run("attest", "verify", "--platform", "sev-snp", "--evidence", evidence.toString()));
    }

    @Test
    void identity_refusesUnknownRole() {
        assertEquals(
                2,
                run("attest", "identity", "--role", "root", "--sim-ca", dir.toString())
                        .exitCode());
    }

    /** Runs {@code attest identity} with a local simulated CA in {@code ca}, writing the evidence. */
    private static Result simulatedIdentity(String role, Path ca, Path evidenceOut) {
        return run(simulatedIdentityArgs(role, ca, evidenceOut));
    }

    /** Runs {@code attest verify --platform simulated} against the simulated CA in {@code ca}. */
    private static Result verifySimulated(Path evidence, Path ca, String... flags) {
        return run(verifySimulatedArgs(evidence, ca, flags));
    }

    /** Returns the arguments of {@code attest identity} (shared with the launcher test). */
    static String[] simulatedIdentityArgs(String role, Path ca, Path evidenceOut) {
        return new String[] {
            "attest", "identity", "--role", role, "--sim-ca", ca.toString(), "--evidence-out", evidenceOut.toString()
        };
    }

    /** Returns the arguments of {@code attest verify --platform simulated} (shared with the launcher test). */
    static String[] verifySimulatedArgs(Path evidence, Path ca, String... flags) {
        List<String> args = new ArrayList<>(List.of(
                "attest",
                "verify",
                "--platform",
                "simulated",
                "--evidence",
                evidence.toString(),
                "--sim-ca",
                ca.toString()));
        args.addAll(List.of(flags));
        return args.toArray(String[]::new);
    }

    private Result verify(byte[] report, String at, List<Path> certificates, String... flags) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "attest",
                "verify",
                "--platform",
                "sev-snp",
                "--evidence",
                write("report.bin", report).toString()));
        for (Path certificate : certificates) {
            args.add("--cert");
            args.add(certificate.toString());
        }
        if (at != null) {
            args.add("--at");
            args.add(at);
        }
        args.addAll(List.of(flags));
        return run(args.toArray(String[]::new));
    }

    private Result verifySnp(Vector vector, byte[] report, String extraFlag) throws IOException {
        List<Path> certificates = List.of(copy(vector.leaf()), copy(vector.chain()));
        return extraFlag == null ? verify(report, AT, certificates) : verify(report, AT, certificates, extraFlag);
    }

    private static void assertInvalid(String code, Result result) {
        assertEquals(1, result.exitCode(), result.text());
        assertTrue(
                result.firstLine().startsWith("INVALID " + code + ":"),
                "expected INVALID " + code + " but got: " + result.firstLine());
        assertNoTrace(result);
    }

    private static void assertNoTrace(Result result) {
        assertFalse(result.text().contains("\tat "), result.text());
        assertFalse(result.text().contains("Exception in"), result.text());
    }

    record Result(int exitCode, String out, String err) {
        String firstLine() {
            return out.lines().findFirst().orElse("");
        }

        String text() {
            return "exit " + exitCode + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine commandLine = RatchetCli.newCommandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private Path copy(String name) throws IOException {
        return write(name, vector(name));
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private static byte[] derOf(String name) throws IOException {
        byte[] bytes = vector(name);
        if (name.endsWith(".pem")) {
            String pem = new String(bytes, StandardCharsets.US_ASCII);
            String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return Base64.getDecoder().decode(body);
        }
        return bytes;
    }

    static byte[] vector(String name) throws IOException {
        try (InputStream in = AttestVerifyCommandTest.class.getResourceAsStream("/testvectors/sev-snp/" + name)) {
            if (in == null) {
                throw new IOException("missing test vector " + name);
            }
            return in.readAllBytes();
        }
    }

    private static byte[] flip(byte[] bytes, int offset) {
        byte[] copy = bytes.clone();
        copy[offset] ^= 0x01;
        return copy;
    }
}
