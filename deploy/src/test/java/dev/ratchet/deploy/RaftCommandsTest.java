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

/**
 * Usage errors of {@code ratchet tablet-store} and {@code ratchet raft}: each exits 2 with a message
 * naming the option, before any node starts or any call is made.
 */
class RaftCommandsTest {
    private static final String NODE_ID = "ab".repeat(32);

    @TempDir
    Path dir;

    @Test
    void tabletStore_withTwoPorts_isAUsageError() {
        Result result = run("tablet-store", "--listen", "127.0.0.1", "--ports", "7001,7002", "--allow-simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("SERVER,CLIENT,ADMIN"), result.err());
    }

    @Test
    void tabletStore_withRepeatedPort_isAUsageError() {
        Result result = run("tablet-store", "--listen", "127.0.0.1", "--ports", "7001,7001,7003", "--allow-simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("must differ"), result.err());
    }

    @Test
    void tabletStore_simulatedWithoutAllowSimulated_isAUsageError() {
        List<String> args =
                new ArrayList<>(List.of("tablet-store", "--listen", "127.0.0.1", "--ports", "7001,7002,7003"));
        args.addAll(
                List.of("--platform", "simulated", "--sim-ca", dir.resolve("ca").toString()));
        Result result = execute(args);

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--allow-simulated"), result.err());
    }

    @Test
    void raftBootstrap_badPeer_isAUsageError() {
        Result result = run(
                "raft",
                "bootstrap",
                "--peer",
                "not-a-peer",
                "--geometry",
                "1+0",
                "--tablets",
                "1",
                "--stripes",
                "1",
                "--sector",
                NODE_ID + "@127.0.0.1:7000",
                "--allow-simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--peer"), result.err());
    }

    @Test
    void raftBootstrap_sectorCountNotMatchingGeometry_isAUsageError() {
        Result result = run(
                "raft",
                "bootstrap",
                "--peer",
                NODE_ID + "@127.0.0.1:7001,7002,7003",
                "--geometry",
                "2+1",
                "--tablets",
                "1",
                "--stripes",
                "1",
                "--sector",
                NODE_ID + "@127.0.0.1:7000",
                "--allow-simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("needs 3 --sector"), result.err());
    }

    @Test
    void raftJoin_withoutPeer_isAUsageError() {
        Result result = run("raft", "join", "--via", NODE_ID + "@127.0.0.1:7001,7002,7003", "--allow-simulated");

        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("--peer"), result.err());
    }

    @Test
    void raftHelp_namesEveryMembershipCommand() {
        Result result = run("raft", "--help");

        assertEquals(0, result.exitCode(), result.err());
        for (String command : List.of("bootstrap", "join", "remove", "replace", "members")) {
            assertTrue(result.out().contains(command), result.out());
        }
    }

    record Result(int exitCode, String out, String err) {}

    // Adds the simulated platform and a private CA, so no test touches ~/.ratchet.
    private Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--help")) {
            all.addAll(List.of(
                    "--platform", "simulated", "--sim-ca", dir.resolve("ca").toString()));
        }
        return execute(all);
    }

    private static Result execute(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine commandLine = RatchetCli.newCommandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args.toArray(String[]::new));
        return new Result(exitCode, out.toString(), err.toString());
    }
}
