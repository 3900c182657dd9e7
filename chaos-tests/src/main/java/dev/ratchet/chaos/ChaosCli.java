package dev.ratchet.chaos;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ratchet.chaos.checker.Verdict;
import dev.ratchet.chaos.cluster.ClusterSpec;
import dev.ratchet.chaos.cluster.Network;
import dev.ratchet.chaos.history.HistoryFile;
import dev.ratchet.chaos.nemesis.Nemeses;
import dev.ratchet.chaos.nemesis.Nemesis;
import dev.ratchet.chaos.run.ChaosRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ratchet chaos}: run a chaos test, check a run's history again, list the nemeses.
 * It is a subcommand of the {@code ratchet} CLI, never a main of its own: the harness must run in
 * the launcher's JVM, on the cluster's classpath, to attest the same code measurement.
 *
 * <p>Exit codes: 0 VALID; 1 INVALID or UNKNOWN (the run found a violation, or could not decide);
 * 2 a usage error; 3 the run itself failed (the cluster did not start).
 */
@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        description = "Jepsen-style chaos tests against a real local cluster.",
        subcommands = {ChaosCli.Run.class, ChaosCli.Check.class, ChaosCli.ListNemeses.class})
public final class ChaosCli implements Runnable {
    static final int EXIT_NOT_VALID = 1;
    static final int EXIT_RUN_FAILED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: run, check or list");
    }

    /** {@code chaos run}. */
    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = "Start a cluster, run a workload under nemeses, heal, check. The last line is the summary.")
    static final class Run implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--workload",
                paramLabel = "register|set",
                defaultValue = "register",
                description = "The workload: register (linearizability of get/put/cas/delete) or set (no acknowledged"
                        + " element lost).")
        String workload;

        @Option(
                names = "--nemesis",
                paramLabel = "NAME[,NAME]",
                defaultValue = "none",
                description = "Nemeses, taken in turn ('ratchet chaos list'); default none.")
        String nemesis;

        @Option(names = "--time-limit", paramLabel = "S", defaultValue = "30", description = "Seconds of workload.")
        long timeLimitSeconds;

        @Option(names = "--seed", paramLabel = "N", description = "Fixes the workload and schedule (default: random).")
        Long seed;

        @Option(names = "--nodes", paramLabel = "3|5", defaultValue = "3", description = "Tablet-store nodes.")
        int nodes;

        @Option(names = "--dir", paramLabel = "D", description = "Run directory (default: target/chaos/<time>-<seed>).")
        Path dir;

        @Option(
                names = "--break",
                paramLabel = "NAME",
                description = "A negative control: run with the cache nodes' safety broken on purpose"
                        + " (ack-before-commit, unconfirmed-reads, skip-digest); the run must come out INVALID.")
        List<String> breaks = new ArrayList<>();

        @Option(
                names = "--network",
                paramLabel = "auto|namespaces|loopback",
                defaultValue = "auto",
                description = "auto: a network namespace per process when root with ip and iptables (partitions"
                        + " reach every link), else loopback and says why; namespaces: those or fail; loopback:"
                        + " no partitions.")
        String network;

        @Option(
                names = "--launcher",
                paramLabel = "PATH",
                description = "The ratchet launcher the cluster runs from (default: the one that started this).")
        Path launcher;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            List<Nemesis> nemeses;
            ClusterSpec shape;
            Network.Mode networkMode;
            try {
                nemeses = Nemeses.byNames(nemesis);
                shape = ClusterSpec.of(nodes).withSafetyBreaks(breaks);
                networkMode = networkMode(network);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            if (timeLimitSeconds < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--time-limit must be >= 1");
            }
            long chosenSeed = seed != null ? seed : System.nanoTime() & 0xFFFFFFFFL;
            Path directory = dir != null
                    ? dir
                    : Path.of(
                            "target",
                            "chaos",
                            LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                                    + chosenSeed);
            Path ratchet = launcher != null ? launcher : defaultLauncher();
            ChaosRun.Summary summary;
            try {
                summary = ChaosRun.run(
                        new ChaosRun.Settings(
                                workload,
                                nemeses,
                                timeLimitSeconds,
                                chosenSeed,
                                shape,
                                networkMode,
                                directory.toAbsolutePath(),
                                ratchet),
                        out);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            } catch (IOException e) {
                spec.commandLine().getErr().println("error: the run failed: " + e.getMessage());
                return EXIT_RUN_FAILED;
            }
            return summary.verdict() == Verdict.VALID ? 0 : EXIT_NOT_VALID;
        }

        private static Network.Mode networkMode(String name) {
            for (Network.Mode mode : Network.Mode.values()) {
                if (mode.name().equalsIgnoreCase(name)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("--network is auto, namespaces or loopback, not '" + name + "'");
        }

        private Path defaultLauncher() {
            String property = System.getProperty("ratchet.launcher");
            if (property == null) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--launcher is needed when not started through deploy/bin/ratchet");
            }
            return Path.of(property);
        }
    }

    /** {@code chaos check DIR}. */
    @Command(
            name = "check",
            mixinStandardHelpOptions = true,
            description = "Check a run's history.jsonl again and rewrite its results.json.")
    static final class Check implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "A run directory.")
        Path dir;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path runFile = dir.resolve("run.json");
            Path historyFile = dir.resolve("history.jsonl");
            if (!Files.isRegularFile(runFile) || !Files.isRegularFile(historyFile)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), dir + " is not a chaos run directory (no run.json and history.jsonl)");
            }
            JsonObject run = JsonParser.parseString(Files.readString(runFile, StandardCharsets.UTF_8))
                    .getAsJsonObject();
            double recovery = 0;
            Path resultsFile = dir.resolve("results.json");
            if (Files.isRegularFile(resultsFile)) {
                recovery = JsonParser.parseString(Files.readString(resultsFile, StandardCharsets.UTF_8))
                        .getAsJsonObject()
                        .get("recoverySeconds")
                        .getAsDouble();
            }
            HistoryFile.Read history = HistoryFile.read(historyFile);
            if (history.truncatedLines() > 0) {
                out.println("dropped " + history.truncatedLines() + " cut-off last line");
            }
            ChaosRun.Summary summary = ChaosRun.check(
                    new ChaosRun.Settings(
                            run.get("workload").getAsString(),
                            Nemeses.byNames(run.get("nemeses").getAsString()),
                            run.get("timeLimitSeconds").getAsLong(),
                            run.get("seed").getAsLong(),
                            ClusterSpec.of(run.get("tabletStores").getAsInt()),
                            Network.Mode.AUTO,
                            dir,
                            Path.of("unused")),
                    history.ops(),
                    recovery,
                    out);
            return summary.verdict() == Verdict.VALID ? 0 : EXIT_NOT_VALID;
        }
    }

    /** {@code chaos list}. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List the nemeses, one per line, name first.")
    static final class ListNemeses implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            for (Nemesis nemesis : Nemeses.all()) {
                out.println(nemesis.name() + "\t" + nemesis.description());
            }
            out.flush();
            return 0;
        }
    }
}
