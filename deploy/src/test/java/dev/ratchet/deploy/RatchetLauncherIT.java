package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code deploy/bin/ratchet} as a real process against the packaged jars. */
class RatchetLauncherIT {
    private static final long PROCESS_TIMEOUT_SECONDS = 120;

    @TempDir
    Path dir;

    @Test
    void attestVerify_realSnpVector_printsValidAndExitsZero() throws Exception {
        Path report = write("report.bin", AttestVerifyCommandTest.vector("virtee-milan-v2-report.bin"));
        Path vcek = write("vcek.der", AttestVerifyCommandTest.vector("virtee-milan-vcek.der"));
        Run run = ratchet(
                "attest",
                "verify",
                "--platform",
                "sev-snp",
                "--evidence",
                report.toString(),
                "--cert",
                vcek.toString(),
                "--at",
                "2025-06-01T00:00:00Z");
        assertEquals(0, run.exitCode(), run.out());
        assertTrue(run.out().startsWith("VALID sev-snp measurement="), run.out());
    }

    @Test
    void attestVerify_tamperedReport_printsInvalidAndExitsOne() throws Exception {
        byte[] bytes = AttestVerifyCommandTest.vector("virtee-milan-v2-report.bin");
        bytes[0x2A0] ^= 1;
        Path report = write("report.bin", bytes);
        Path vcek = write("vcek.der", AttestVerifyCommandTest.vector("virtee-milan-vcek.der"));
        Run run = ratchet(
                "attest",
                "verify",
                "--platform",
                "sev-snp",
                "--evidence",
                report.toString(),
                "--cert",
                vcek.toString(),
                "--at",
                "2025-06-01T00:00:00Z");
        assertEquals(1, run.exitCode(), run.out());
        assertTrue(run.out().startsWith("INVALID signature:"), run.out());
    }

    @Test
    void identityThenVerify_roundTripsThroughTheLauncher() throws Exception {
        Path evidence = dir.resolve("evidence.hex");
        Path ca = dir.resolve("ca");
        Run identity = ratchet(AttestVerifyCommandTest.simulatedIdentityArgs("sector", ca, evidence));
        assertEquals(0, identity.exitCode(), identity.out());
        Run verify = ratchet(AttestVerifyCommandTest.verifySimulatedArgs(evidence, ca, "--allow-simulated"));
        assertEquals(0, verify.exitCode(), verify.out());
        assertTrue(verify.out().startsWith("VALID simulated"), verify.out());
    }

    @Test
    void usageError_exitsTwo() throws Exception {
        assertEquals(2, ratchet("attest", "verify").exitCode());
    }

    record Run(int exitCode, String out) {}

    private Run ratchet(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of("bin", "ratchet").toAbsolutePath().toString());
        command.addAll(List.of(args));
        // Separate files: stdout carries the answer, stderr the (INSECURE) warnings.
        Path output = dir.resolve("stdout.txt");
        Path errors = dir.resolve("stderr.txt");
        Process process = new ProcessBuilder(command)
                .redirectOutput(output.toFile())
                .redirectError(errors.toFile())
                .start();
        try {
            if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("ratchet did not finish in " + PROCESS_TIMEOUT_SECONDS + " s");
            }
            String out = Files.readString(output, StandardCharsets.UTF_8);
            assertTrue(!Files.readString(errors, StandardCharsets.UTF_8).contains("\tat "), "stack trace printed");
            return new Run(process.exitValue(), out);
        } finally {
            process.destroyForcibly();
        }
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }
}
