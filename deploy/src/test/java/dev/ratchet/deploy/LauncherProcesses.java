package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.AttestationPolicy;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.simulated.SimulatedCa;
import dev.ratchet.attestation.simulated.SimulatedVerifier;
import dev.ratchet.raft.LoopbackPorts;
import dev.ratchet.raft.TestRamRoot;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test fixture for launcher ITs, registered with {@code @RegisterExtension}: {@code
 * deploy/bin/ratchet} processes on the simulated platform, sharing one simulated CA and one RAM
 * root, each with its stderr in a file of a directory of the test's own. After each test it kills
 * whatever still runs and deletes the RAM root and the directory.
 */
final class LauncherProcesses implements BeforeEachCallback, AfterEachCallback {
    static final long READY_TIMEOUT_SECONDS = 60;
    static final long COMMAND_TIMEOUT_SECONDS = 120;
    static final long STOP_TIMEOUT_SECONDS = 30;

    /** The ready line of {@code ratchet tablet-store}: its {@code HOST:S,C,A} and node id. */
    static final Pattern TABLET_STORE_READY =
            Pattern.compile("tablet-store listening on (127\\.0\\.0\\.1:\\d+,\\d+,\\d+) node-id=([0-9a-f]{64})");

    /** The ready line of {@code ratchet sector-server}: its {@code HOST:PORT} and node id. */
    static final Pattern SECTOR_READY =
            Pattern.compile("sector-server listening on (127\\.0\\.0\\.1:\\d+) node-id=([0-9a-f]{64})");

    private final List<Process> processes = new ArrayList<>();
    private Path dir;
    private Path caDirectory;
    private SimulatedCa ca;
    private Path ramRoot;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("ratchet-launcher-it-");
        caDirectory = dir.resolve("ca");
        // Created before any node: nodes started together would each create one of their own.
        ca = SimulatedCa.loadOrCreate(caDirectory, Clock.systemUTC());
        ramRoot = TestRamRoot.create("ratchet-it-");
    }

    /** Kills every process still running, then deletes the RAM root and the test's directory. */
    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        for (Process process : processes) {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
        processes.clear();
        TestRamRoot.delete(ramRoot);
        TestRamRoot.delete(dir); // any tree, not only a RAM root
    }

    /** Returns the simulated CA every process here uses. */
    SimulatedCa ca() {
        return ca;
    }

    /** Returns the RAM root every tablet-store node here keeps its incarnations under. */
    Path ramRoot() {
        return ramRoot;
    }

    /**
     * Returns a verifier for a test process talking to the launched nodes: it accepts any
     * measurement on the simulated platform, because a test cannot know the launched build's; the
     * node ids it expects still bind the servers.
     */
    static AttestationVerifier anySimulatedMeasurement(SimulatedCa ca) {
        return new AttestationVerifier(
                AttestationPolicy.builder()
                        .allowSimulated(true)
                        .allowAnyMeasurement()
                        .build(),
                List.of(new SimulatedVerifier(List.of(ca.certificate()))));
    }

    /** Returns the options that put a command on the simulated platform with the shared CA. */
    List<String> simulated() {
        return List.of("--platform", "simulated", "--allow-simulated", "--sim-ca", caDirectory.toString());
    }

    /**
     * Starts a tablet-store node on fresh loopback ports with its incarnations under {@link
     * #ramRoot()}, and returns it once it printed its ready line.
     */
    TabletStore startTabletStore(String name, String... extraArgs) throws Exception {
        int[] ports = LoopbackPorts.free(3);
        List<String> args = new ArrayList<>(List.of(
                "tablet-store",
                "--listen",
                LoopbackPorts.HOST,
                "--ports",
                ports[0] + "," + ports[1] + "," + ports[2],
                "--ram-root",
                ramRoot.toString()));
        args.addAll(simulated());
        args.addAll(List.of(extraArgs));
        Process process = start(name, args);
        Matcher ready = awaitReadyLine(process, name, TABLET_STORE_READY);
        return new TabletStore(process, ready.group(2), ready.group(2) + "@" + ready.group(1));
    }

    /** A started tablet-store node: its process, node id and {@code ID@HOST:S,C,A}. */
    record TabletStore(Process process, String nodeId, String peer) {}

    /**
     * Starts an unclaimed sector server of {@code sectors} sectors on a free loopback port, and
     * returns its {@code ID@HOST:PORT} once it printed its ready line.
     */
    String startSectorServer(String name, int sectors) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "sector-server", "--listen", LoopbackPorts.HOST + ":0", "--sectors", Integer.toString(sectors)));
        args.addAll(simulated());
        Matcher ready = awaitReadyLine(start(name, args), name, SECTOR_READY);
        return ready.group(2) + "@" + ready.group(1);
    }

    /** Starts {@code ratchet <args>}, its stderr going to {@code <name>.stderr.txt}. */
    Process start(String name, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of("bin", "ratchet").toAbsolutePath().toString());
        command.addAll(args);
        Process process = new ProcessBuilder(command)
                .redirectError(dir.resolve(name + ".stderr.txt").toFile())
                .start();
        processes.add(process);
        return process;
    }

    /** Runs a short-lived ratchet command to completion, returning its stdout; fails on a non-zero exit. */
    String run(String name, List<String> args) throws Exception {
        Process process = start(name, args);
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

    /** Returns the first stdout line of {@code process} that matches {@code pattern}, within the ready timeout. */
    Matcher awaitReadyLine(Process process, String name, Pattern pattern) throws Exception {
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

    /** Stops {@code process} with SIGTERM and waits for it to exit. */
    static void stop(Process process) throws InterruptedException {
        process.destroy();
        assertTrue(process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS), "a process did not stop on SIGTERM");
    }

    /** Kills {@code process} with SIGKILL, as a crash would, and waits for it to be gone. */
    static void kill(Process process) throws InterruptedException {
        process.destroyForcibly();
        assertTrue(process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS), "a process survived SIGKILL");
    }

    /** Returns every process started so far, in start order. */
    List<Process> processes() {
        return List.copyOf(processes);
    }

    String stderr(String name) throws IOException {
        Path file = dir.resolve(name + ".stderr.txt");
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
