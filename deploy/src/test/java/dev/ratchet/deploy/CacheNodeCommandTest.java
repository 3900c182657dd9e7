package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ratchet cache-node} usage errors: each exits 2 with a message naming the option, before serving. */
class CacheNodeCommandTest {
    private static final String STORE = "a".repeat(64) + "@127.0.0.1:7101,7102,7103";

    @TempDir
    Path dir;

    @Test
    void badListenAddress_isAUsageError() {
        Result result =
                run("no-port", List.of("--tablet-store", STORE), "--platform", "simulated", "--allow-simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--listen"), result.err());
    }

    @Test
    void badListenPort_isAUsageError() {
        Result result = run(
                "127.0.0.1:70000", List.of("--tablet-store", STORE), "--platform", "simulated", "--allow-simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--listen"), result.err());
    }

    @Test
    void peerExpiryOutOfRange_isAUsageError() {
        Result result = run(
                "127.0.0.1:0",
                List.of("--tablet-store", STORE),
                "--peer-expiry-seconds",
                "0",
                "--platform",
                "simulated",
                "--allow-simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--peer-expiry-seconds"), result.err());
    }

    @Test
    void aSafetyBreak_onAnyPlatformButSimulated_isAUsageError() {
        Result result = run(
                "127.0.0.1:0",
                List.of("--tablet-store", STORE),
                "--break",
                "ack-before-commit",
                "--platform",
                "sev-snp",
                "--allow-measurement",
                "cache=" + "ab".repeat(48));

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--break is for chaos tests on --platform simulated only"), result.err());
    }

    @Test
    void anUnknownSafetyBreak_isAUsageError() {
        Result result = run(
                "127.0.0.1:0",
                List.of("--tablet-store", STORE),
                "--break",
                "skip-everything",
                "--platform",
                "simulated",
                "--allow-simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--break must be"), result.err());
    }

    @Test
    void missingTabletStore_isAUsageError() {
        Result result = run("127.0.0.1:0", List.of(), "--platform", "simulated", "--allow-simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--tablet-store"), result.err());
    }

    @Test
    void malformedTabletStore_isAUsageError() {
        Result result =
                run("127.0.0.1:0", List.of("--tablet-store", "nope"), "--platform", "simulated", "--allow-simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--tablet-store"), result.err());
    }

    @Test
    void simulatedWithoutAllowSimulated_isAUsageError() {
        Result result = run("127.0.0.1:0", List.of("--tablet-store", STORE), "--platform", "simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--allow-simulated"), result.err());
    }

    record Result(int exitCode, String out, String err) {}

    private Result run(String listen, List<String> stores, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "cache-node", "--listen", listen, "--sim-ca", dir.resolve("ca").toString()));
        args.addAll(stores);
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
