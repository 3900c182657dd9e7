package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.simulated.CodeMeasurement;
import dev.ratchet.attestation.simulated.SimulatedCa;
import dev.ratchet.attestation.simulated.SimulatedProvider;
import dev.ratchet.sector.array.GrpcSectorDevice;
import dev.ratchet.sector.array.SectorDevice;
import dev.ratchet.sector.array.SectorDeviceException;
import dev.ratchet.sector.server.SectorServer;
import dev.ratchet.sector.server.WriterAuthority;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code deploy/bin/ratchet sector-server} as a real process on the simulated platform and
 * talks to it with a {@link GrpcSectorDevice}.
 */
class SectorServerLauncherIT {
    private static final long READY_TIMEOUT_SECONDS = 60;
    private static final long CALL_TIMEOUT_MILLIS = 10_000;
    private static final long STOP_TIMEOUT_SECONDS = 30;
    private static final Pattern READY =
            Pattern.compile("sector-server listening on 127\\.0\\.0\\.1:(\\d+) node-id=([0-9a-f]{64})");

    @TempDir
    Path dir;

    private Process process;

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void sectorServer_servesStatusOverAttestedGrpc_andStopsOnSigterm() throws Exception {
        Clock clock = Clock.systemUTC();
        Path caDirectory = dir.resolve("ca");
        SimulatedCa ca = SimulatedCa.loadOrCreate(caDirectory, clock);
        Path authorityKey = dir.resolve("authority.pem");
        Files.writeString(authorityKey, WriterAuthority.generate().publicKeyPem(), StandardCharsets.US_ASCII);
        // This test is not the server's build, so its measurement is allowed explicitly.
        byte[] codeDigest = new byte[48];
        Arrays.fill(codeDigest, (byte) 7);
        CodeMeasurement measurement = CodeMeasurement.ofCodeDigest(codeDigest);
        NodeIdentity cache = NodeIdentity.generate(Role.CACHE, SimulatedProvider.create(ca, measurement, clock), clock);

        process = new ProcessBuilder(
                        Path.of("bin", "ratchet").toAbsolutePath().toString(),
                        "sector-server",
                        "--listen",
                        "127.0.0.1:0",
                        "--sectors",
                        "16",
                        "--authority-key",
                        authorityKey.toString(),
                        "--platform",
                        "simulated",
                        "--allow-simulated",
                        "--sim-ca",
                        caDirectory.toString(),
                        "--allow-measurement",
                        "cache=" + measurement.hexForRole(Role.CACHE))
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
        Matcher ready = awaitReadyLine();
        int port = Integer.parseInt(ready.group(1));
        String nodeId = ready.group(2);

        // The client accepts any simulated measurement: it cannot know the launched build's.
        AttestationVerifier verifier = LauncherProcesses.anySimulatedMeasurement(ca);
        try (SectorDevice device =
                new GrpcSectorDevice("127.0.0.1", port, nodeId, cache, verifier, clock, CALL_TIMEOUT_MILLIS)) {
            SectorDevice.DeviceStatus status = device.status().get(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            assertEquals(new SectorDevice.DeviceStatus(16, 0, 0, SectorServer.SECTORS_PER_REQUEST_MAX), status);

            ExecutionException refused = assertThrows(
                    ExecutionException.class,
                    () -> device.write(new long[] {0}, List.of(new byte[SectorServer.SECTOR_BYTES]))
                            .get(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
            assertEquals(
                    "WRITER_NOT_AUTHORIZED",
                    assertInstanceOf(SectorDeviceException.class, refused.getCause())
                            .serverError());
        }

        process.destroy();
        assertTrue(process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS), "sector server did not stop on SIGTERM");
        String errors = Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8);
        assertFalse(errors.contains("\tat "), errors);
        assertTrue(errors.contains("INSECURE"), errors);
    }

    @Test
    void sectorServerWithoutAuthorityKey_startsUnclaimed_andRefusesWrites() throws Exception {
        Simulated server = startSimulated();
        try (SectorDevice device = server.device()) {
            ExecutionException refused = assertThrows(
                    ExecutionException.class,
                    () -> device.write(new long[] {0}, List.of(new byte[SectorServer.SECTOR_BYTES]))
                            .get(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
            assertEquals(
                    "AUTHORITY_NOT_SET",
                    assertInstanceOf(SectorDeviceException.class, refused.getCause())
                            .serverError(),
                    refused.getCause().toString());
        }

        process.destroy();
        assertTrue(process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS), "sector server did not stop on SIGTERM");
        String errors = Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8);
        assertTrue(errors.contains("sector-server is unclaimed"), errors);
    }

    /**
     * {@code --test-control} (chaos tests, simulated only): each stdin command gets one answer
     * line, a bad one an error line, and the server keeps serving.
     */
    @Test
    void testControl_answersEachCommandOnALine_andKeepsServing() throws Exception {
        Simulated server = startSimulated("--test-control");
        NodeIdentity cache = server.cache();
        PrintWriter commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);

        assertEquals("test-control error rollback: no snapshot was taken", command(commands, "rollback"));
        assertEquals("test-control ok snapshot used=0", command(commands, "snapshot"));
        assertEquals("test-control ok rollback used=0", command(commands, "rollback"));
        assertEquals("test-control ok corrupt sectors=0", command(commands, "corrupt 3 1"));
        assertTrue(command(commands, "corrupt x 1").startsWith("test-control error corrupt: not a number"));
        assertTrue(command(commands, "corrupt 0 1").startsWith("test-control error corrupt: COUNT must be"));
        assertTrue(command(commands, "snapshot now").startsWith("test-control error snapshot: takes 0 arguments"));
        assertEquals("test-control ok corrupt-writes on", command(commands, "corrupt-writes on"));
        assertEquals("test-control ok corrupt-writes off", command(commands, "corrupt-writes off"));
        assertTrue(
                command(commands, "corrupt-writes maybe").startsWith("test-control error corrupt-writes: on or off"));
        assertEquals("test-control ok fork callers=1 used=0", command(commands, "fork " + cache.nodeId()));
        assertTrue(command(commands, "fork cache-7").startsWith("test-control error fork: not a node id"));
        assertTrue(command(commands, "fork").startsWith("test-control error fork: takes 1 arguments"));
        assertEquals("test-control ok unfork", command(commands, "unfork"));
        assertTrue(command(commands, "format-disk").startsWith("test-control error unknown command 'format-disk'"));

        try (SectorDevice device = server.device()) {
            assertEquals(
                    16,
                    device.status()
                            .get(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                            .capacitySectors());
        }
        assertTrue(Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8)
                .contains("--test-control"));
    }

    /** A sector server started on the simulated platform, and a cache identity it accepts. */
    private record Simulated(SimulatedCa ca, NodeIdentity cache, Matcher ready, Clock clock) {
        /** A device talking to the server as {@link #cache}. */
        SectorDevice device() throws SSLException {
            return new GrpcSectorDevice(
                    "127.0.0.1",
                    Integer.parseInt(ready.group(1)),
                    ready.group(2),
                    cache,
                    LauncherProcesses.anySimulatedMeasurement(ca),
                    clock,
                    CALL_TIMEOUT_MILLIS);
        }
    }

    /**
     * Starts {@code ratchet sector-server} with 16 sectors on the simulated platform, without an
     * authority key, plus {@code extraArgs}; waits for its ready line.
     */
    private Simulated startSimulated(String... extraArgs) throws Exception {
        Clock clock = Clock.systemUTC();
        Path caDirectory = dir.resolve("ca");
        SimulatedCa ca = SimulatedCa.loadOrCreate(caDirectory, clock);
        byte[] codeDigest = new byte[48];
        Arrays.fill(codeDigest, (byte) 9);
        CodeMeasurement measurement = CodeMeasurement.ofCodeDigest(codeDigest);
        NodeIdentity cache = NodeIdentity.generate(Role.CACHE, SimulatedProvider.create(ca, measurement, clock), clock);
        List<String> command = new ArrayList<>(List.of(
                Path.of("bin", "ratchet").toAbsolutePath().toString(),
                "sector-server",
                "--listen",
                "127.0.0.1:0",
                "--sectors",
                "16",
                "--platform",
                "simulated",
                "--allow-simulated",
                "--sim-ca",
                caDirectory.toString(),
                "--allow-measurement",
                "cache=" + measurement.hexForRole(Role.CACHE)));
        command.addAll(List.of(extraArgs));
        process = new ProcessBuilder(command)
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
        return new Simulated(ca, cache, awaitReadyLine(), clock);
    }

    /** Sends one test-control command; returns its answer line (bounded). */
    private String command(PrintWriter commands, String line) throws Exception {
        commands.println(line);
        return CompletableFuture.supplyAsync(() -> {
                    try {
                        return output.readLine();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private BufferedReader output;

    private Matcher awaitReadyLine() throws Exception {
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        output = out;
        CompletableFuture<Matcher> ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    Matcher matcher = READY.matcher(line);
                    if (matcher.matches()) {
                        return matcher;
                    }
                }
                throw new IllegalStateException("sector server exited before it was ready");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            return ready.get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            String errors = Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8);
            throw new AssertionError("no ready line; stderr:\n" + errors, e);
        }
    }
}
