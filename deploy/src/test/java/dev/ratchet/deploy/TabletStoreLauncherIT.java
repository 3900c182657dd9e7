package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.simulated.SimulatedCa;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs three {@code deploy/bin/ratchet tablet-store} processes and three unclaimed {@code ratchet
 * sector-server} processes on the simulated platform, forms a cluster with {@code ratchet raft
 * bootstrap} (which claims the sector servers), and reads it back with {@code ratchet raft members}.
 */
class TabletStoreLauncherIT {
    private static final long READY_TIMEOUT_SECONDS = 60;
    private static final long COMMAND_TIMEOUT_SECONDS = 120;
    private static final long STOP_TIMEOUT_SECONDS = 30;
    private static final Pattern READY =
            Pattern.compile("tablet-store listening on (127\\.0\\.0\\.1:\\d+,\\d+,\\d+) node-id=([0-9a-f]{64})");
    private static final Pattern SECTOR_READY =
            Pattern.compile("sector-server listening on (127\\.0\\.0\\.1:\\d+) node-id=([0-9a-f]{64})");

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private Path ramRoot;

    @AfterEach
    void stopAll() throws InterruptedException, IOException {
        for (Process process : processes) {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
        if (ramRoot != null) {
            try (var paths = Files.walk(ramRoot)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    @Test
    void threeNodes_bootstrap_thenMembersListsThemAndALeader() throws Exception {
        Path caDirectory = dir.resolve("ca");
        // Create the CA first: nodes started together would each create one of their own.
        SimulatedCa.loadOrCreate(caDirectory, Clock.systemUTC());
        ramRoot = newRamRoot();
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int[] ports = freePorts(3);
            Process node = start(
                    "node-" + i,
                    "tablet-store",
                    "--listen",
                    "127.0.0.1",
                    "--ports",
                    ports[0] + "," + ports[1] + "," + ports[2],
                    "--ram-root",
                    ramRoot.toString(),
                    "--platform",
                    "simulated",
                    "--allow-simulated",
                    "--sim-ca",
                    caDirectory.toString());
            Matcher ready = awaitReadyLine(node, "node-" + i, READY);
            peers.add(ready.group(2) + "@" + ready.group(1));
        }
        List<String> sectors = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // No --authority-key: the servers start unclaimed and bootstrap installs the new key.
            Process server = start(
                    "sector-" + i,
                    "sector-server",
                    "--listen",
                    "127.0.0.1:0",
                    "--sectors",
                    "1024",
                    "--platform",
                    "simulated",
                    "--allow-simulated",
                    "--sim-ca",
                    caDirectory.toString());
            Matcher ready = awaitReadyLine(server, "sector-" + i, SECTOR_READY);
            sectors.add(ready.group(2) + "@" + ready.group(1));
        }

        List<String> bootstrap = new ArrayList<>(List.of("raft", "bootstrap"));
        peers.forEach(peer -> bootstrap.addAll(List.of("--peer", peer)));
        bootstrap.addAll(List.of("--geometry", "2+1", "--tablets", "8", "--stripes", "1024"));
        sectors.forEach(sector -> bootstrap.addAll(List.of("--sector", sector)));
        bootstrap.addAll(simulated(caDirectory));
        String bootstrapped = run("bootstrap", bootstrap);
        assertTrue(bootstrapped.startsWith("bootstrapped 3 members\n"), bootstrapped);
        for (String peer : peers) {
            assertTrue(bootstrapped.contains("member " + peer + "\n"), bootstrapped);
        }
        for (int i = 0; i < 3; i++) {
            assertTrue(bootstrapped.contains("sector " + sectors.get(i) + " claimed slot=" + i + "\n"), bootstrapped);
        }

        List<String> members = new ArrayList<>(List.of("raft", "members", "--via", peers.get(0)));
        members.addAll(simulated(caDirectory));
        String listed = run("members", members);
        List<String> memberLines =
                listed.lines().filter(l -> l.startsWith("member ")).sorted().toList();
        assertEquals(peers.stream().map(p -> "member " + p).sorted().toList(), memberLines, listed);
        String leader = listed.lines()
                .filter(l -> l.startsWith("leader "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no leader line:\n" + listed))
                .substring("leader ".length());
        assertTrue(peers.stream().anyMatch(p -> p.startsWith(leader + "@")), listed);

        for (Process process : processes) {
            process.destroy();
        }
        for (Process process : processes) {
            assertTrue(process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS), "a process did not stop on SIGTERM");
        }
        try (var left = Files.list(ramRoot)) {
            // Only the nodes' sweep lock may stay; every incarnation directory must be gone.
            assertEquals(List.of(), left.filter(Files::isDirectory).toList(), "incarnations left on the RAM root");
        }
    }

    private static List<String> simulated(Path caDirectory) {
        return List.of("--platform", "simulated", "--allow-simulated", "--sim-ca", caDirectory.toString());
    }

    private Path newRamRoot() throws IOException {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempDirectory(shm, "ratchet-it-")
                : Files.createTempDirectory(dir, "ram-");
    }

    private Process start(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of("bin", "ratchet").toAbsolutePath().toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .redirectError(dir.resolve(name + ".stderr.txt").toFile())
                .start();
        processes.add(process);
        return process;
    }

    /** Runs a short-lived ratchet command to completion, returning its stdout; fails on a non-zero exit. */
    private String run(String name, List<String> args) throws Exception {
        Process process = start(name, args.toArray(String[]::new));
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertTrue(
                process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                "ratchet " + name + " did not finish; stderr:\n" + stderr(name));
        String stdout = out.get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertEquals(0, process.exitValue(), "ratchet " + name + ":\n" + stdout + stderr(name));
        return stdout;
    }

    private Matcher awaitReadyLine(Process process, String name, Pattern pattern) throws Exception {
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Matcher> ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    Matcher matcher = pattern.matcher(line);
                    if (matcher.matches()) {
                        return matcher;
                    }
                }
                throw new IllegalStateException(name + " exited before it was ready");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            return ready.get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no ready line from " + name + "; stderr:\n" + stderr(name), e);
        }
    }

    private String stderr(String name) throws IOException {
        Path file = dir.resolve(name + ".stderr.txt");
        return Files.exists(file)
                ? Files.readAllLines(file, StandardCharsets.UTF_8).stream().collect(Collectors.joining("\n"))
                : "";
    }

    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }
}
