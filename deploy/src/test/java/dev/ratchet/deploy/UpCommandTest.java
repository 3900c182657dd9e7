package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ratchet up} usage errors: each exits 2 naming the option, before anything starts. */
class UpCommandTest {
    @TempDir
    Path dir;

    @Test
    void fourNodes_isAUsageError() {
        Result result = run("up", "--nodes", "4");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--nodes must be 3 or 5"), result.err());
    }

    @Test
    void badGeometry_isAUsageError() {
        Result result = run("up", "--geometry", "4x2");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--geometry"), result.err());
    }

    @Test
    void tooManyCacheNodes_isAUsageError() {
        Result result = run("up", "--cache-nodes", "100");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--cache-nodes"), result.err());
    }

    @Test
    void aDirectoryThatIsNotOurs_isRefusedRatherThanDeleted() throws Exception {
        Path precious = dir.resolve("precious");
        Files.createDirectories(precious);
        Files.writeString(precious.resolve("notes.txt"), "keep me", StandardCharsets.UTF_8);

        Result result = run(
                "up",
                "--dir",
                precious.toString(),
                "--sim-ca",
                dir.resolve("ca").toString());

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("not a ratchet up directory"), result.err());
        assertEquals("keep me", Files.readString(precious.resolve("notes.txt"), StandardCharsets.UTF_8));
    }

    record Result(int exitCode, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine commandLine = RatchetCli.newCommandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }
}
