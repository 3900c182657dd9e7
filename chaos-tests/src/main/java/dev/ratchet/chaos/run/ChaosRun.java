package dev.ratchet.chaos.run;

import com.google.gson.GsonBuilder;
import dev.ratchet.chaos.checker.Linearizability;
import dev.ratchet.chaos.checker.SetCheck;
import dev.ratchet.chaos.checker.UnreadableCheck;
import dev.ratchet.chaos.checker.Verdict;
import dev.ratchet.chaos.checker.VersionOrder;
import dev.ratchet.chaos.cluster.Cluster;
import dev.ratchet.chaos.cluster.ClusterSpec;
import dev.ratchet.chaos.cluster.Network;
import dev.ratchet.chaos.history.HistoryFile;
import dev.ratchet.chaos.history.Op;
import dev.ratchet.chaos.history.OpType;
import dev.ratchet.chaos.history.Recorder;
import dev.ratchet.chaos.nemesis.Nemesis;
import dev.ratchet.chaos.nemesis.Target;
import dev.ratchet.chaos.report.Report;
import dev.ratchet.chaos.workload.RegisterWorkload;
import dev.ratchet.chaos.workload.SetWorkload;
import dev.ratchet.chaos.workload.Workload;
import dev.ratchet.client.RatchetClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * One chaos run: a cluster, a workload recording its history, a nemesis schedule, then the heal,
 * the recovery probe, the checkers, and the run directory with {@code history.jsonl} and {@code
 * results.json}.
 *
 * <p>Schedule (from the seed): 3 s of traffic only; then, until the time limit, each nemesis in
 * turn is started, held for 3–6 s, stopped, and followed by 2–5 s of calm; then every fault is
 * healed and the run waits (at most {@link #RECOVERY_LIMIT}) until a write and a read of a fresh
 * key succeed, which is the recovery time.
 */
public final class ChaosRun {
    /** The longest the cluster may take to serve again after the heal. */
    static final Duration RECOVERY_LIMIT = Duration.ofSeconds(60);

    private static final long WARMUP_NANOS = TimeUnit.SECONDS.toNanos(3);

    /** The workloads a run can name. */
    static final List<String> WORKLOADS = List.of("register", "set");

    /**
     * What a run is given.
     *
     * @param workload the workload's name: register or set
     * @param nemeses the nemeses, in schedule order; empty for none
     * @param timeLimitSeconds how long the workload and the faults run
     * @param seed fixes the workload's choices and the schedule
     * @param spec the cluster's shape
     * @param network how the run chooses its network (namespaces when it can, by default)
     * @param directory where the run leaves its files
     * @param launcher the {@code ratchet} launcher the cluster's processes run from
     */
    public record Settings(
            String workload,
            List<Nemesis> nemeses,
            long timeLimitSeconds,
            long seed,
            ClusterSpec spec,
            Network.Mode network,
            Path directory,
            Path launcher) {}

    /** What a run found: the summary line's figures and the verdict. */
    public record Summary(
            String workload,
            String nemeses,
            long seed,
            long ops,
            long ok,
            long fail,
            long info,
            Verdict verdict,
            long lost,
            double recoverySeconds) {
        /** The run's last line, exactly as the issue states it. */
        public String line() {
            return "chaos " + workload + " nemesis=" + nemeses + " seed=" + seed + " ops=" + ops + " ok=" + ok
                    + " info="
                    + info + " verdict=" + verdict + " lost=" + lost + " recovery_s="
                    + String.format(Locale.ROOT, "%.1f", recoverySeconds);
        }
    }

    private ChaosRun() {}

    /** Runs {@code settings}, printing progress to {@code out}; returns the summary. */
    public static Summary run(Settings settings, PrintWriter out) throws IOException, InterruptedException {
        if (!WORKLOADS.contains(settings.workload())) {
            throw new IllegalArgumentException(
                    "no workload '" + settings.workload() + "'; known: " + String.join(", ", WORKLOADS));
        }
        Path dir = settings.directory();
        Files.createDirectories(dir);
        writeSettings(settings);
        out.println("chaos run in " + dir + " (seed " + settings.seed() + ")");
        out.flush();
        SplittableRandom schedule = new SplittableRandom(settings.seed() ^ 0x5DEECE66DL);
        double recoverySeconds;
        List<Op> history;
        try (Network network = Network.open(settings.network());
                Cluster cluster = start(settings, network, out);
                RatchetClient clients = client(cluster, Duration.ofSeconds(2));
                RatchetClient admin = client(cluster, Duration.ofSeconds(2));
                Recorder recorder = new Recorder(dir.resolve("history.jsonl"), System::nanoTime)) {
            out.println("cluster up: " + cluster.tabletStores().size() + " tablet stores, "
                    + cluster.sectorServers().size() + " sector servers, "
                    + cluster.cacheNodes().size()
                    + " cache nodes");
            out.flush();
            Target target = new Target(cluster, admin, schedule.split());
            String keys = "chaos-" + settings.seed();
            Workload workload = settings.workload().equals("set")
                    ? new SetWorkload(clients, recorder, keys, 4, 10, settings.seed())
                    : new RegisterWorkload(clients, recorder, keys, 4, 10, settings.seed());
            workload.start();
            try {
                runSchedule(settings, recorder, target, schedule, out);
            } finally {
                recoverySeconds = recover(cluster, recorder, out);
                workload.close();
            }
            workload.finalReads();
            history = recorder.ops();
        }
        return check(settings, history, recoverySeconds, out);
    }

    private static Cluster start(Settings settings, Network network, PrintWriter out) throws IOException {
        out.println(network.describe());
        out.flush();
        for (Nemesis nemesis : settings.nemeses()) {
            String missing = nemesis.unavailable(network);
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("nemesis " + nemesis.name() + " cannot run here: " + missing);
            }
        }
        ClusterSpec spec = settings.nemeses().stream().anyMatch(Nemesis::needsFakeClocks)
                ? settings.spec().withFakeClocks()
                : settings.spec();
        return Cluster.start(spec, network, settings.launcher(), settings.directory());
    }

    private static void runSchedule(
            Settings settings, Recorder recorder, Target target, SplittableRandom schedule, PrintWriter out)
            throws IOException {
        long endNanos = TimeUnit.SECONDS.toNanos(settings.timeLimitSeconds());
        pauseUntil(recorder, Math.min(WARMUP_NANOS, endNanos));
        int turn = 0;
        while (recorder.elapsedNanos() < endNanos && !settings.nemeses().isEmpty()) {
            Nemesis nemesis = settings.nemeses().get(turn++ % settings.nemeses().size());
            String started = nemesis.start(target);
            recordNemesis(recorder, "start-" + nemesis.name(), started, out);
            try {
                pauseUntil(recorder, Math.min(endNanos, recorder.elapsedNanos() + seconds(schedule, 3, 6)));
            } finally {
                recordNemesis(recorder, "stop-" + nemesis.name(), nemesis.stop(target), out);
            }
            pauseUntil(recorder, Math.min(endNanos, recorder.elapsedNanos() + seconds(schedule, 2, 5)));
        }
        pauseUntil(recorder, endNanos);
    }

    private static long seconds(SplittableRandom random, int low, int high) {
        return TimeUnit.MILLISECONDS.toNanos(random.nextLong(low * 1000L, high * 1000L + 1));
    }

    /** The schedule's own clock: holds the nemesis thread until the run's time reaches {@code nanos}. */
    private static void pauseUntil(Recorder recorder, long nanos) {
        for (long left = nanos - recorder.elapsedNanos(); left > 0; left = nanos - recorder.elapsedNanos()) {
            LockSupport.parkNanos(left);
        }
    }

    private static void recordNemesis(Recorder recorder, String event, String what, PrintWriter out) {
        recorder.record(new Op(0, 0, Op.NEMESIS, OpType.INFO, event, null, what, null, null, null, null, null, null));
        out.println(String.format(Locale.ROOT, "%7.1f s  %s: %s", recorder.elapsedNanos() / 1e9, event, what));
        out.flush();
    }

    /**
     * After the heal: the time until a write and a read of a fresh key both succeed, or -1 if
     * that did not happen within {@link #RECOVERY_LIMIT}.
     */
    private static double recover(Cluster cluster, Recorder recorder, PrintWriter out) {
        long healedNanos = recorder.elapsedNanos();
        long deadline = healedNanos + RECOVERY_LIMIT.toNanos();
        byte[] key = ("chaos-recovery-" + healedNanos).getBytes(StandardCharsets.UTF_8);
        try (RatchetClient probe = client(cluster, Duration.ofSeconds(2))) {
            while (recorder.elapsedNanos() < deadline) {
                try {
                    probe.put(key, key);
                    if (probe.get(key).isPresent()) {
                        double seconds = (recorder.elapsedNanos() - healedNanos) / 1e9;
                        out.println(String.format(Locale.ROOT, "serving again %.1f s after the heal", seconds));
                        out.flush();
                        return seconds;
                    }
                } catch (RuntimeException e) {
                    // Not yet: the client's own retries and backoff pace this loop.
                }
            }
        }
        out.println("NOT serving " + RECOVERY_LIMIT.toSeconds() + " s after the heal");
        out.flush();
        return -1;
    }

    private static RatchetClient client(Cluster cluster, Duration requestTimeout) {
        return RatchetClient.builder()
                .endpoints(cluster.cacheEndpoints())
                .simulatedDevelopmentTrust(cluster.simulatedCa())
                .requestTimeout(requestTimeout)
                .build();
    }

    /** Checks a run's history and writes {@code results.json}; also what {@code chaos check} does. */
    public static Summary check(Settings settings, List<Op> history, double recoverySeconds, PrintWriter out)
            throws IOException {
        if (settings.workload().equals("set")) {
            return checkSet(settings, history, recoverySeconds, out);
        }
        Linearizability.Result linear = Linearizability.check(history, Linearizability.Budget.standard());
        VersionOrder.Result order = VersionOrder.check(history);
        UnreadableCheck.Result unreadable = UnreadableCheck.check(history);
        Verdict verdict = linear.verdict().and(order.verdict()).and(unreadable.verdict());
        if (recoverySeconds < 0) {
            verdict = Verdict.INVALID;
        }
        Map<String, Object> results = results(settings, history, recoverySeconds, verdict);
        Map<String, Object> linearResult = new LinkedHashMap<>();
        linearResult.put("verdict", linear.verdict());
        linearResult.put("keys", linear.keys().size());
        List<Map<String, Object>> failing = new ArrayList<>();
        for (Linearizability.KeyResult key : linear.failing()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("key", key.key());
            entry.put("verdict", key.verdict());
            entry.put("detail", key.detail());
            entry.put("operations", key.operations());
            entry.put("stuckAt", String.valueOf(key.stuckAt()));
            entry.put(
                    "longestLinearized",
                    key.longestLinearized().stream().map(String::valueOf).toList());
            failing.add(entry);
            writeKeyHistory(settings.directory(), key.key(), history);
        }
        linearResult.put("failing", failing);
        results.put("linearizability", linearResult);
        results.put(
                "versionOrder",
                Map.of(
                        "verdict",
                        order.verdict(),
                        "violations",
                        order.violations().stream().limit(50).toList()));
        results.put("unreadable", unreadableResult(unreadable));
        String json = writeResults(settings, results);
        Report.write(
                settings.directory(),
                history,
                json,
                linear.failing().stream().map(Linearizability.KeyResult::key).collect(Collectors.toSet()));
        unreadable.examples().forEach(example -> out.println("unreadable: " + example));
        for (Linearizability.KeyResult key : linear.failing()) {
            out.println("key " + key.key() + ": " + key.verdict() + ": " + key.detail());
        }
        order.violations().stream().limit(10).forEach(violation -> out.println("version order: " + violation));
        long lost = linear.failing().stream()
                .filter(key -> key.verdict() == Verdict.INVALID)
                .count();
        return summary(settings, history, recoverySeconds, verdict, lost, out);
    }

    /** The set workload's check: {@link SetCheck} on the adds and the final reads. */
    private static Summary checkSet(Settings settings, List<Op> history, double recoverySeconds, PrintWriter out)
            throws IOException {
        SetCheck.Result set = SetCheck.check(history);
        UnreadableCheck.Result unreadable = UnreadableCheck.check(history);
        Verdict verdict = recoverySeconds < 0 ? Verdict.INVALID : set.verdict().and(unreadable.verdict());
        Map<String, Object> results = results(settings, history, recoverySeconds, verdict);
        Map<String, Object> setResult = new LinkedHashMap<>();
        setResult.put("verdict", set.verdict());
        setResult.put("acknowledged", set.acknowledged());
        setResult.put("lost", set.lost());
        setResult.put("unexpected", set.unexpected());
        setResult.put("duplicated", set.duplicated());
        setResult.put("recovered", set.recovered());
        setResult.put("details", set.details());
        results.put("set", setResult);
        results.put("unreadable", unreadableResult(unreadable));
        Report.write(settings.directory(), history, writeResults(settings, results), Set.of());
        unreadable.examples().forEach(example -> out.println("unreadable: " + example));
        set.details().forEach(detail -> out.println("set: " + detail));
        return summary(settings, history, recoverySeconds, verdict, set.lost(), out);
    }

    private static Map<String, Object> unreadableResult(UnreadableCheck.Result unreadable) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("verdict", unreadable.verdict());
        result.put("count", unreadable.unreadable());
        result.put("examples", unreadable.examples());
        return result;
    }

    /** The figures every workload's results.json starts with. */
    private static Map<String, Object> results(
            Settings settings, List<Op> history, double recoverySeconds, Verdict verdict) {
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("workload", settings.workload());
        results.put("nemeses", names(settings.nemeses()));
        results.put("seed", settings.seed());
        results.put("safetyBreaks", settings.spec().safetyBreaks());
        results.put("timeLimitSeconds", settings.timeLimitSeconds());
        results.put("ops", invocations(history));
        results.put("ok", count(history, OpType.OK));
        results.put("fail", count(history, OpType.FAIL));
        results.put("info", count(history, OpType.INFO));
        results.put("recoverySeconds", recoverySeconds);
        results.put("verdict", verdict);
        return results;
    }

    /** Writes {@code results.json}; returns its text. */
    private static String writeResults(Settings settings, Map<String, Object> results) throws IOException {
        String json = new GsonBuilder()
                .setPrettyPrinting()
                .disableHtmlEscaping()
                .create()
                .toJson(results);
        Files.writeString(settings.directory().resolve("results.json"), json, StandardCharsets.UTF_8);
        return json;
    }

    /** Prints and returns the summary line's figures. */
    private static Summary summary(
            Settings settings, List<Op> history, double recoverySeconds, Verdict verdict, long lost, PrintWriter out) {
        Summary summary = new Summary(
                settings.workload(),
                names(settings.nemeses()),
                settings.seed(),
                invocations(history),
                count(history, OpType.OK),
                count(history, OpType.FAIL),
                count(history, OpType.INFO),
                verdict,
                lost,
                recoverySeconds);
        out.println(summary.line());
        out.flush();
        return summary;
    }

    private static long invocations(List<Op> history) {
        return history.stream()
                .filter(op -> !op.nemesis() && op.type() == OpType.INVOKE)
                .count();
    }

    /** Writes {@code run.json}: what {@code chaos check} needs to check the run again. */
    private static void writeSettings(Settings settings) throws IOException {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("workload", settings.workload());
        run.put("nemeses", names(settings.nemeses()));
        run.put("seed", settings.seed());
        run.put("timeLimitSeconds", settings.timeLimitSeconds());
        run.put("tabletStores", settings.spec().tabletStores());
        run.put("network", settings.network());
        run.put("safetyBreaks", settings.spec().safetyBreaks());
        Files.writeString(
                settings.directory().resolve("run.json"),
                new GsonBuilder().setPrettyPrinting().create().toJson(run),
                StandardCharsets.UTF_8);
    }

    /** Writes the failing key's history lines to {@code linear/<key>.jsonl}, for reading by hand. */
    private static void writeKeyHistory(Path dir, String key, List<Op> history) throws IOException {
        Path linear = Files.createDirectories(dir.resolve("linear"));
        String lines = history.stream()
                .filter(op -> key.equals(op.key()))
                .map(HistoryFile::toLine)
                .collect(Collectors.joining("\n", "", "\n"));
        Files.writeString(linear.resolve(key.replaceAll("[^A-Za-z0-9_.-]", "_") + ".jsonl"), lines);
    }

    private static long count(List<Op> history, OpType type) {
        return history.stream().filter(op -> !op.nemesis() && op.type() == type).count();
    }

    private static String names(List<Nemesis> nemeses) {
        return nemeses.isEmpty() ? "none" : nemeses.stream().map(Nemesis::name).collect(Collectors.joining(","));
    }
}
