package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code deploy/bin/ratchet chaos} as a real process: a short run against a real cluster (every
 * role its own JVM) under two nemeses must come out VALID, {@code chaos check} must agree on the
 * stored history, and must find a stale read planted in it; runs with the cache nodes' safety
 * broken on purpose must come out INVALID; and no process of a run outlives it.
 */
class ChaosLauncherIT {
    private static final long RUN_TIMEOUT_SECONDS = 420;

    @TempDir
    Path dir;

    @Test
    void list_namesEveryNemesis_oneALine_nameFirst() throws Exception {
        Result list = ratchet(60, "chaos", "list");

        assertEquals(0, list.exitCode(), list.out());
        List<String> names = list.out().lines().map(line -> line.split("\t")[0]).toList();
        assertTrue(
                names.containsAll(List.of(
                        "kill-cache",
                        "kill-leader",
                        "kill-sector",
                        "pause-leader",
                        "partition-leader",
                        "partition-majority",
                        "rollback-sector",
                        "corrupt-sector",
                        "fork-sector")),
                names.toString());
    }

    @Test
    void aShortRunUnderNemeses_isValid_andCheckAgrees_andFindsAPlantedStaleRead() throws Exception {
        Path run = dir.resolve("run");
        Result result = ratchet(
                RUN_TIMEOUT_SECONDS,
                "chaos",
                "run",
                "--workload",
                "register",
                "--nemesis",
                "kill-sector,pause-leader,kill-cache",
                "--time-limit",
                "30",
                "--seed",
                "7",
                "--dir",
                run.toString());

        String last = lastLine(result.out());
        assertEquals(0, result.exitCode(), result.out());
        assertTrue(
                last.matches(
                        "chaos register nemesis=kill-sector,pause-leader,kill-cache seed=7 ops=\\d+ ok=\\d+ info=\\d+"
                                + " verdict=VALID lost=0 recovery_s=\\d+\\.\\d"),
                last);
        assertTrue(
                result.out().contains(" rebuilt onto sector-server-"), "the killed slot was rebuilt: " + result.out());
        assertTrue(Files.isRegularFile(run.resolve("results.json")));
        assertTrue(Files.isRegularFile(run.resolve("nodes").resolve("tablet-store-0.log")));
        assertNoProcessOf(run);

        Result check = ratchet(120, "chaos", "check", run.toString());
        assertEquals(0, check.exitCode(), check.out());
        assertEquals(last, lastLine(check.out()));

        // A read of an old value, after a newer write was acknowledged, planted at the end.
        Path history = run.resolve("history.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(history, StandardCharsets.UTF_8));
        long seq = lines.size() + 1_000_000L;
        lines.add("{\"seq\":" + seq + ",\"timeNanos\":1,\"process\":90001,\"type\":\"INVOKE\",\"f\":\"put\","
                + "\"key\":\"planted\",\"value\":\"old\"}");
        lines.add("{\"seq\":" + (seq + 1) + ",\"timeNanos\":2,\"process\":90001,\"type\":\"OK\",\"f\":\"put\","
                + "\"key\":\"planted\",\"version\":1}");
        lines.add("{\"seq\":" + (seq + 2) + ",\"timeNanos\":3,\"process\":90001,\"type\":\"INVOKE\",\"f\":\"put\","
                + "\"key\":\"planted\",\"value\":\"new\"}");
        lines.add("{\"seq\":" + (seq + 3) + ",\"timeNanos\":4,\"process\":90001,\"type\":\"OK\",\"f\":\"put\","
                + "\"key\":\"planted\",\"version\":2}");
        lines.add("{\"seq\":" + (seq + 4) + ",\"timeNanos\":5,\"process\":90002,\"type\":\"INVOKE\",\"f\":\"get\","
                + "\"key\":\"planted\"}");
        lines.add("{\"seq\":" + (seq + 5) + ",\"timeNanos\":6,\"process\":90002,\"type\":\"OK\",\"f\":\"get\","
                + "\"key\":\"planted\",\"value\":\"old\",\"version\":1}");
        Files.write(history, lines, StandardCharsets.UTF_8);
        Result planted = ratchet(120, "chaos", "check", run.toString());
        assertEquals(1, planted.exitCode(), planted.out());
        assertTrue(lastLine(planted.out()).contains(" verdict=INVALID lost=1 "), planted.out());
        assertTrue(Files.isRegularFile(run.resolve("linear").resolve("planted.jsonl")));
    }

    /**
     * Partitions on a network namespace per process: the leader cut off from everyone, a
     * minority of the tablet store cut off, a sector server cut off from the cache nodes. The run
     * must stay VALID and leave no namespace or bridge behind. Needs root and iptables, which
     * {@code .ci/run} installs.
     */
    @Test
    void aShortRunUnderPartitions_isValid_andLeavesNoNamespaceBehind() throws Exception {
        assumeTrue(rootWithIptables(), "partitions need root and iptables");
        Path run = dir.resolve("partitions");
        Result result = ratchet(
                RUN_TIMEOUT_SECONDS,
                "chaos",
                "run",
                "--network",
                "namespaces",
                "--nemesis",
                "partition-leader,partition-majority,partition-sector",
                "--time-limit",
                "30",
                "--seed",
                "4",
                "--dir",
                run.toString());

        String last = lastLine(result.out());
        assertEquals(0, result.exitCode(), result.out());
        assertTrue(
                last.startsWith("chaos register nemesis=partition-leader,partition-majority,partition-sector seed=4 ")
                        && last.contains(" verdict=VALID lost=0 "),
                last);
        assertTrue(result.out().contains("start-partition-leader: isolated leader "), result.out());
        Matcher bridge = Pattern.compile("network: bridge (rch\\d+) ").matcher(result.out());
        assertTrue(bridge.find(), result.out());
        List<String> namespaces = command("ip", "netns", "list");
        assertTrue(
                namespaces.stream().noneMatch(line -> line.startsWith(bridge.group(1) + "-")), namespaces.toString());
        assertFalse(command("ip", "-o", "link", "show").stream()
                .anyMatch(line -> line.contains(" " + bridge.group(1) + ":")));
        assertNoProcessOf(run);
    }

    /** On loopback a partition cannot happen, and the run refuses it rather than do nothing. */
    @Test
    void aPartitionNemesisOnLoopback_isAUsageError() throws Exception {
        Result result = ratchet(
                120,
                "chaos",
                "run",
                "--network",
                "loopback",
                "--nemesis",
                "partition-leader",
                "--dir",
                dir.resolve("loopback").toString());

        assertEquals(2, result.exitCode(), result.out());
        assertTrue(
                result.out()
                        .contains(
                                "nemesis partition-leader cannot run here: it needs a network that can partition: the run is on loopback"),
                result.out());
    }

    private static boolean rootWithIptables() throws Exception {
        try {
            return command("id", "-u").equals(List.of("0"))
                    && !command("iptables", "-V").isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static List<String> command(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": " + out);
        }
        return out.lines().toList();
    }

    /** The set workload under a cache-node kill: every acknowledged element is in the final reads. */
    @Test
    void aSetRunUnderKillCache_losesNoAcknowledgedElement() throws Exception {
        Path run = dir.resolve("set");
        Result result = ratchet(
                RUN_TIMEOUT_SECONDS,
                "chaos",
                "run",
                "--workload",
                "set",
                "--nemesis",
                "kill-cache",
                "--time-limit",
                "20",
                "--seed",
                "12",
                "--dir",
                run.toString());

        String last = lastLine(result.out());
        assertEquals(0, result.exitCode(), result.out());
        assertTrue(
                last.startsWith("chaos set nemesis=kill-cache seed=12 ") && last.contains(" verdict=VALID lost=0 "),
                last);
        String results = Files.readString(run.resolve("results.json"));
        assertTrue(results.contains("\"set\"") && !results.contains("\"acknowledged\": 0,"), results);
        assertNoProcessOf(run);
    }

    /**
     * The negative controls: with the cache nodes' safety broken on purpose, even a run without
     * nemeses must come out INVALID. A harness that passes these is not trusted.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ack-before-commit", "unconfirmed-reads"})
    void aRunWithSafetyBrokenOnPurpose_isInvalid(String safetyBreak) throws Exception {
        Path run = dir.resolve(safetyBreak);
        Result result = ratchet(
                RUN_TIMEOUT_SECONDS,
                "chaos",
                "run",
                "--break",
                safetyBreak,
                "--time-limit",
                "15",
                "--seed",
                "11",
                "--dir",
                run.toString());

        assertEquals(1, result.exitCode(), result.out());
        assertTrue(lastLine(result.out()).contains(" verdict=INVALID "), result.out());
        assertTrue(Files.readString(run.resolve("results.json")).contains("\"" + safetyBreak + "\""));
        assertNoProcessOf(run);
    }

    /**
     * The third negative control: with the shard digest check skipped, a corrupt sector server
     * (within m) while a cache node dies and the survivor reads its tablets cold must surface as
     * UNREADABLE, which the run reports INVALID. With the check, the same run is VALID (the
     * corrupt server is decoded around and marked dead).
     */
    @Test
    void aRunWithDigestChecksSkipped_underACorruptSector_isInvalid_andWithThemValid() throws Exception {
        Path broken = dir.resolve("skip-digest");
        Result result = ratchet(
                RUN_TIMEOUT_SECONDS,
                "chaos",
                "run",
                "--break",
                "skip-digest",
                "--nemesis",
                "corrupt-sector+kill-cache",
                "--time-limit",
                "20",
                "--seed",
                "11",
                "--dir",
                broken.toString());

        assertEquals(1, result.exitCode(), result.out());
        assertTrue(lastLine(result.out()).contains(" verdict=INVALID "), result.out());
        assertTrue(result.out().contains("unreadable: "), result.out());
        assertNoProcessOf(broken);

        Path checked = dir.resolve("digests-checked");
        Result valid = ratchet(
                RUN_TIMEOUT_SECONDS,
                "chaos",
                "run",
                "--nemesis",
                "corrupt-sector+kill-cache",
                "--time-limit",
                "20",
                "--seed",
                "13",
                "--dir",
                checked.toString());
        assertEquals(0, valid.exitCode(), valid.out());
        assertTrue(lastLine(valid.out()).contains(" verdict=VALID lost=0 "), valid.out());
        assertNoProcessOf(checked);
    }

    /** Every pid in the run's node logs' names is gone: the run killed what it started. */
    private static void assertNoProcessOf(Path run) throws IOException {
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            List<String> leftovers = all.filter(process -> process.info()
                            .commandLine()
                            .map(line ->
                                    line.contains(run.resolve("simulated-ca").toString()))
                            .orElse(false))
                    .map(process ->
                            process.pid() + " " + process.info().commandLine().orElse(""))
                    .toList();
            assertTrue(leftovers.isEmpty(), "processes outlived the run: " + leftovers);
        }
    }

    private record Result(int exitCode, String out) {}

    private Result ratchet(long timeoutSeconds, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of("bin", "ratchet").toAbsolutePath().toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("ratchet " + String.join(" ", args) + " did not finish");
        }
        String text = out.get(10, TimeUnit.SECONDS);
        assertFalse(text.contains("\tat "), text);
        return new Result(process.exitValue(), text);
    }

    private static String lastLine(String out) {
        List<String> lines = out.lines().filter(line -> !line.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
}
