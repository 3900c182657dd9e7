package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code deploy/bin/ratchet up} as a real process: three tablet-store processes, three
 * unclaimed sector servers, bootstrap in the up process (which claims them), and cache nodes;
 * drives it with the data commands through the endpoints file; then stops it with SIGTERM and
 * checks that every child is gone and its files deleted.
 */
class UpLauncherIT {
    private static final long READY_TIMEOUT_SECONDS = 240;
    private static final long STOP_TIMEOUT_SECONDS = 90;
    private static final long CLI_TIMEOUT_SECONDS = 120;
    private static final Pattern CHILD = Pattern.compile("  (tablet-store|sector|cache-node) (\\S+) \\(pid (\\d+)\\)");

    @TempDir
    Path dir;

    private Process up;
    private final List<Long> childPids = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        if (up != null && up.isAlive()) {
            up.destroy();
            if (!up.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                up.destroyForcibly();
            }
        }
        // Whatever happened above, no child may outlive the test.
        for (long pid : childPids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void up_withoutCacheNodes_startsBootstrapsAndStopsCleanly() throws Exception {
        List<String> lines = startUp("0");

        String output = String.join("\n", lines);
        assertEquals("ratchet up ready endpoints=", lines.get(lines.size() - 1), output);
        assertTrue(output.startsWith("INSECURE: "), output);
        assertEquals(3, count(lines, "  tablet-store ", " (pid "), output);
        assertEquals(3, count(lines, "  sector ", " (pid "), output);
        assertEquals(3, count(lines, "  sector ", " claimed slot="), output);
        assertEquals(6, childPids.size(), output);
        for (String name : List.of("tablet-store-0", "tablet-store-2", "sector-server-0", "sector-server-2")) {
            assertTrue(Files.exists(run().resolve(name + ".out")), name);
            assertTrue(Files.exists(run().resolve(name + ".err")), name);
        }
        assertFalse(Files.exists(LocalClusterEndpoints.file(home())), "no cache nodes: no endpoints file");

        stopUpAndCheckCleanUp();
    }

    @Test
    void up_thenPutGetCasDelStatus_throughTheCli() throws Exception {
        List<String> lines = startUp("1");
        String readyLine = lines.get(lines.size() - 1);
        String endpoint = readyLine.substring("ratchet up ready endpoints=".length());
        assertTrue(endpoint.matches("127\\.0\\.0\\.1:\\d+"), readyLine);
        assertEquals(List.of(endpoint), LocalClusterEndpoints.read(LocalClusterEndpoints.file(home())));

        assertEquals(new Cli(0, "version=1\n"), cli("put", "hello", "world"));
        assertEquals(new Cli(0, "world\n"), cli("get", "hello"));
        assertEquals(new Cli(0, "world\tversion=1\n"), cli("get", "hello", "-v"));
        assertEquals(new Cli(0, "version=2\n"), cli("cas", "hello", "--expect-value", "world", "there"));
        assertEquals(new Cli(1, "cas failed: current version=2\n"), cli("cas", "hello", "--expect-version", "1", "x"));
        assertEquals(new Cli(0, "deleted\n"), cli("del", "hello"));
        Cli missing = cli("get", "hello");
        assertEquals(new Cli(1, ""), missing);
        assertTrue(lastStderr.contains("not found"), lastStderr);
        assertEquals(new Cli(1, ""), cli("del", "hello"));
        assertEquals(new Cli(1, "cas failed: current absent\n"), cli("cas", "hello", "--expect-version", "2", "x"));
        assertEquals(new Cli(0, "version=4\n"), cli("cas", "hello", "--expect-absent", "again"));
        Cli status = cli("status");
        assertEquals(0, status.exitCode(), lastStderr);
        assertTrue(status.out().contains("raft members: 3\n"), status.out());
        assertTrue(status.out().contains(" LEADER\n"), status.out());
        assertTrue(status.out().contains("array 2+1 degraded=no "), status.out());
        assertEquals(
                3,
                status.out()
                        .lines()
                        .filter(l -> l.matches("  slot \\d LIVE .*"))
                        .count(),
                status.out());

        stopUpAndCheckCleanUp();
        assertFalse(Files.exists(LocalClusterEndpoints.file(home())), "the endpoints file outlived up");
        Cli afterStop = cli("get", "hello");
        assertEquals(3, afterStop.exitCode(), lastStderr);
        assertTrue(lastStderr.contains("error: no cluster"), lastStderr);
    }

    /**
     * Issue 13, item 4 through the CLI: a sector server is SIGKILLed, both cache nodes see its slot
     * die, and {@code ratchet rebuild} claims a fresh server, rebuilds the slot onto it with a
     * progress bar, and leaves the array LIVE; then another slot's server is SIGKILLed, and every
     * acknowledged value still reads back, through the rebuilt slot.
     */
    @Test
    void up_thenRebuildADeadSlot_throughTheCli() throws Exception {
        // Two cache nodes each reserve stripes in chunks: more than the default 256.
        List<String> lines = startUp("2", "2048");
        List<Integer> acknowledged = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            assertEquals(0, cli("put", "key-" + i, "value-" + i).exitCode(), lastStderr);
            acknowledged.add(i);
        }
        long victim = sectorPid(lines, 1);
        ProcessHandle.of(victim).orElseThrow().destroyForcibly(); // SIGKILL
        // Writes make the cache nodes strike the dead server out and report it; the second one corroborates.
        int written = 10;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLI_TIMEOUT_SECONDS);
        while (!cli("status").out().contains("  slot 1 DEAD ")) {
            assertTrue(System.nanoTime() - deadline < 0, "slot 1 never died: " + lastStderr);
            if (cli("put", "key-" + written, "value-" + written).exitCode() == 0) {
                acknowledged.add(written);
            }
            written++;
        }

        Process fresh = new ProcessBuilder(
                        Path.of("bin", "ratchet").toAbsolutePath().toString(),
                        "sector-server",
                        "--listen",
                        "127.0.0.1:0",
                        "--sectors",
                        "2048",
                        "--platform",
                        "simulated",
                        "--allow-simulated",
                        "--sim-ca",
                        dir.resolve("ca").toString())
                .redirectError(dir.resolve("fresh.stderr.txt").toFile())
                .start();
        childPids.add(fresh.pid());
        Matcher ready = Pattern.compile("sector-server listening on (\\S+) node-id=([0-9a-f]{64})")
                .matcher(new BufferedReader(new InputStreamReader(fresh.getInputStream(), StandardCharsets.UTF_8))
                        .readLine());
        assertTrue(ready.matches(), "no ready line from the fresh sector server");
        String server = ready.group(2) + "@" + ready.group(1);

        Cli rebuilt = cli("rebuild", "1", "--server", server);
        assertEquals(0, rebuilt.exitCode(), lastStderr);
        assertTrue(rebuilt.out().matches("rebuilt slot 1 onto " + ready.group(2) + ": \\d+ stripes\n"), rebuilt.out());
        assertTrue(lastStderr.contains("slot 1 [##############################] 100% "), lastStderr);

        Cli status = cli("status");
        assertTrue(status.out().contains("array 2+1 degraded=no "), status.out());
        assertTrue(status.out().contains("  slot 1 LIVE " + ready.group(2) + " "), status.out());
        assertTrue(status.out().contains("rebuilds: none"), status.out());
        Cli again = cli("rebuild", "1", "--server", server);
        assertEquals(3, again.exitCode(), lastStderr);
        assertTrue(lastStderr.contains("error: REBUILD_REFUSED: "), lastStderr);

        // Another slot's server dies: every read now needs the rebuilt slot's shards.
        ProcessHandle.of(sectorPid(lines, 0)).orElseThrow().destroyForcibly();
        for (int i : acknowledged) {
            assertEquals(new Cli(0, "value-" + i + "\n"), cli("get", "key-" + i), lastStderr);
        }
    }

    /** Returns the pid of the sector server up started {@code index}-th (up starts them in slot order). */
    private static long sectorPid(List<String> lines, int index) {
        List<Long> pids = new ArrayList<>();
        for (String line : lines) {
            Matcher child = CHILD.matcher(line);
            if (child.matches() && child.group(1).equals("sector")) {
                pids.add(Long.parseLong(child.group(3)));
            }
        }
        assertTrue(pids.size() > index, "no sector server " + index + " in up's output: " + lines);
        return pids.get(index);
    }

    private record Cli(int exitCode, String out) {}

    private String lastStderr = "";

    private Path home() {
        return dir.resolve("home");
    }

    private Path run() {
        return dir.resolve("run");
    }

    /** Starts up with {@code cacheNodes} and returns its stdout lines up to the ready line. */
    private List<String> startUp(String cacheNodes) throws IOException {
        return startUp(cacheNodes, "256");
    }

    /** As {@link #startUp(String)}, with an array of {@code stripes} stripes. */
    private List<String> startUp(String cacheNodes, String stripes) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of("bin", "ratchet").toAbsolutePath().toString(),
                        "up",
                        "--cache-nodes",
                        cacheNodes,
                        "--geometry",
                        "2+1",
                        "--stripes",
                        stripes,
                        "--tablets",
                        "4",
                        "--dir",
                        run().toString(),
                        "--sim-ca",
                        dir.resolve("ca").toString())
                .redirectError(dir.resolve("up.stderr.txt").toFile());
        builder.environment().put("RATCHET_HOME", home().toString());
        up = builder.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<String> ready = readLines(up, lines);
        String readyLine = awaitReady(ready, lines);
        List<String> upToReady = new ArrayList<>(lines);
        return upToReady.subList(0, upToReady.indexOf(readyLine) + 1);
    }

    /** Runs a short-lived {@code ratchet} data command against the local cluster. */
    private Cli cli(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of("bin", "ratchet").toAbsolutePath().toString());
        command.addAll(List.of(args));
        command.addAll(List.of("--sim-ca", dir.resolve("ca").toString()));
        Path stderr = dir.resolve("cli.stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
        builder.environment().put("RATCHET_HOME", home().toString());
        Process process = builder.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!process.waitFor(CLI_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("ratchet " + String.join(" ", args) + " did not finish");
        }
        lastStderr = Files.readString(stderr, StandardCharsets.UTF_8);
        assertFalse(lastStderr.contains("\tat "), lastStderr);
        return new Cli(process.exitValue(), out.get(CLI_TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }

    private void stopUpAndCheckCleanUp() throws Exception {
        up.destroy();
        assertTrue(up.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS), "up did not stop on SIGTERM");
        for (long pid : childPids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "child " + pid + " lives on");
        }
        assertFalse(Files.exists(run()), "the run directory was not deleted");
        String stderr = Files.readString(dir.resolve("up.stderr.txt"), StandardCharsets.UTF_8);
        assertFalse(stderr.contains("\tat "), stderr);
        assertFalse(stderr.contains("DIED"), stderr);
    }

    private CompletableFuture<String> readLines(Process process, List<String> lines) {
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try {
                        for (String line = out.readLine(); line != null; line = out.readLine()) {
                            lines.add(line);
                            Matcher child = CHILD.matcher(line);
                            if (child.matches()) {
                                childPids.add(Long.parseLong(child.group(3)));
                            }
                            if (line.startsWith("ratchet up ready ")) {
                                ready.complete(line);
                            }
                        }
                        ready.completeExceptionally(new IllegalStateException("up exited before it was ready"));
                    } catch (IOException e) {
                        ready.completeExceptionally(new UncheckedIOException(e));
                    }
                },
                "up-stdout");
        reader.setDaemon(true);
        reader.start();
        return ready;
    }

    private String awaitReady(CompletableFuture<String> ready, List<String> lines) throws IOException {
        try {
            return ready.get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(
                    "up was not ready; stdout:\n" + String.join("\n", new ArrayList<>(lines)) + "\nstderr:\n"
                            + Files.readString(dir.resolve("up.stderr.txt"), StandardCharsets.UTF_8),
                    e);
        }
    }

    private static long count(List<String> lines, String prefix, String infix) {
        return lines.stream()
                .filter(line -> line.startsWith(prefix) && line.contains(infix))
                .count();
    }
}
