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
 * Runs {@code deploy/bin/ratchet up} as a real process without cache nodes: three tablet-store
 * processes, three unclaimed sector servers, bootstrap in the up process (which claims them), then
 * stops it with SIGTERM and checks that every child is gone and its directory deleted.
 */
class UpLauncherIT {
    private static final long READY_TIMEOUT_SECONDS = 240;
    private static final long STOP_TIMEOUT_SECONDS = 90;
    private static final Pattern CHILD = Pattern.compile("  (tablet-store|sector) (\\S+) \\(pid (\\d+)\\)");

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
        Path home = dir.resolve("home");
        Path run = dir.resolve("run");
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of("bin", "ratchet").toAbsolutePath().toString(),
                        "up",
                        "--cache-nodes",
                        "0",
                        "--geometry",
                        "2+1",
                        "--stripes",
                        "64",
                        "--tablets",
                        "4",
                        "--dir",
                        run.toString(),
                        "--sim-ca",
                        dir.resolve("ca").toString())
                .redirectError(dir.resolve("up.stderr.txt").toFile());
        builder.environment().put("RATCHET_HOME", home.toString());
        up = builder.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<String> ready = readLines(up, lines);

        String readyLine = awaitReady(ready, lines);
        assertEquals("ratchet up ready endpoints=", readyLine);
        String output = String.join("\n", lines);
        assertTrue(output.startsWith("INSECURE: "), output);
        assertEquals(3, count(lines, "  tablet-store "), output);
        assertEquals(3, count(lines, "  sector "), output);
        assertEquals(6, childPids.size(), output);
        for (String name : List.of("tablet-store-0", "tablet-store-2", "sector-server-0", "sector-server-2")) {
            assertTrue(Files.exists(run.resolve(name + ".out")), name);
            assertTrue(Files.exists(run.resolve(name + ".err")), name);
        }
        assertFalse(Files.exists(LocalClusterEndpoints.file(home)), "no cache nodes: no endpoints file");

        up.destroy();
        assertTrue(up.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS), "up did not stop on SIGTERM");
        for (long pid : childPids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "child " + pid + " lives on");
        }
        assertFalse(Files.exists(run), "the run directory was not deleted");
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

    private static long count(List<String> lines, String prefix) {
        return lines.stream().filter(line -> line.startsWith(prefix)).count();
    }
}
