package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.sector.server.WriterAuthority;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ratchet sector-server} usage errors: each exits 2 with a message naming the option, before serving. */
class SectorServerCommandTest {
    @TempDir
    Path dir;

    @Test
    void simulatedWithoutAllowSimulated_isAUsageError() throws IOException {
        Result result = run("127.0.0.1:0", authorityKey(), "--platform", "simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--allow-simulated"), result.err());
    }

    @Test
    void testControlOffTheSimulatedPlatform_isAUsageError() throws IOException {
        Result result = run(
                "127.0.0.1:0",
                authorityKey(),
                "--test-control",
                "--platform",
                "sev-snp",
                "--allow-measurement",
                "cache=" + "ab".repeat(48));

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(
                result.err().contains("--test-control is for chaos tests on --platform simulated only"), result.err());
    }

    @Test
    void badListenAddress_isAUsageError() throws IOException {
        Result result = run("no-port", authorityKey(), "--platform", "simulated", "--allow-simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--listen"), result.err());
    }

    @Test
    void authorityKeyThatIsNotPem_isAUsageError() throws IOException {
        Path key = dir.resolve("key.pem");
        Files.writeString(key, "not a key", StandardCharsets.US_ASCII);

        Result result = run("127.0.0.1:0", key, "--platform", "simulated", "--allow-simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--authority-key"), result.err());
    }

    @Test
    void sevSnpWithoutMeasurements_isAUsageError() throws IOException {
        Result result = run("127.0.0.1:0", authorityKey(), "--platform", "sev-snp");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--allow-measurement"), result.err());
    }

    @Test
    void badMeasurementOption_isAUsageError() throws IOException {
        Result result = run(
                "127.0.0.1:0",
                authorityKey(),
                "--platform",
                "simulated",
                "--allow-simulated",
                "--allow-measurement",
                "x");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("ROLE=HEX"), result.err());
    }

    record Result(int exitCode, String out, String err) {}

    private Path authorityKey() throws IOException {
        Path key = dir.resolve("authority.pem");
        Files.writeString(key, WriterAuthority.generate().publicKeyPem(), StandardCharsets.US_ASCII);
        return key;
    }

    private Result run(String listen, Path authorityKey, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "sector-server",
                "--listen",
                listen,
                "--sectors",
                "4",
                "--authority-key",
                authorityKey.toString(),
                "--sim-ca",
                dir.resolve("ca").toString()));
        args.addAll(List.of(extra));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine commandLine = RatchetCli.newCommandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args.toArray(String[]::new));
        return new Result(exitCode, out.toString(), err.toString());
    }
}
