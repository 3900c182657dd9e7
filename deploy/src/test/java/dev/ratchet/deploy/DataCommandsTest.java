package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data commands' usage errors (exit 2) and errors reaching a cluster (exit 3, one line, no stack trace). */
class DataCommandsTest {
    @TempDir
    Path dir;

    @Test
    void casWithoutAnExpectation_isAUsageError() {
        Result result = run("cas", "k", "v", "--endpoint", "127.0.0.1:1");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--expect-version"), result.err());
    }

    @Test
    void casWithTwoExpectations_isAUsageError() {
        Result result = run("cas", "k", "v", "--expect-absent", "--expect-version", "3", "--endpoint", "127.0.0.1:1");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("mutually exclusive"), result.err());
    }

    @Test
    void casExpectingVersionZero_isAUsageError() {
        Result result = run("cas", "k", "v", "--expect-version", "0", "--endpoint", "127.0.0.1:1");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--expect-version must be a version >= 1"), result.err());
    }

    @Test
    void putWithoutValue_isAUsageError() {
        Result result = run("put", "k", "--endpoint", "127.0.0.1:1");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("VALUE"), result.err());
    }

    @Test
    void badEndpoint_isAUsageError() {
        Result result = run("get", "k", "--endpoint", "no-port");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--endpoint"), result.err());
    }

    @Test
    void badPlatform_isAUsageError() {
        Result result = run("get", "k", "--endpoint", "127.0.0.1:1", "--platform", "simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--allow-simulated"), result.err());
    }

    @Test
    void unreachableCacheNode_isAnErrorLineWithItsCode_exit3() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }

        Result result = run("get", "k", "--endpoint", "127.0.0.1:" + closedPort);

        assertEquals(3, result.exitCode(), result.err());
        assertTrue(result.err().startsWith("error: UNAVAILABLE: "), result.err());
        assertTrue(!result.err().contains("\tat "), result.err());
    }

    record Result(int exitCode, String out, String err) {}

    private Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--sim-ca", dir.resolve("ca").toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine commandLine = RatchetCli.newCommandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(all.toArray(String[]::new));
        return new Result(exitCode, out.toString(), err.toString());
    }
}
