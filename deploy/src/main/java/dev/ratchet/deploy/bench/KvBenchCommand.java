package dev.ratchet.deploy.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ratchet bench}: a closed-loop load generator against a running Ratchet cluster or etcd.
 *
 * <p>Its last line on stdout is always {@code bench <mix> target=<ratchet|etcd> clients=<N>
 * ops_per_s=<x> p50_ms=<x> p99_ms=<x> p999_ms=<x>}, preceded by {@code errors=<n>} when any
 * operation failed. Progress notes go to stderr. Exit codes: 0 no failures, 1 failures (the result
 * line is still printed when the run got that far), 2 a usage error.
 *
 * <p>It lives in {@code deploy}, not in the {@code bench} module, so that it runs on the same class
 * path as {@code ratchet up}: the simulated platform measures the class path, and the SDK's
 * development trust admits only cache nodes of its own measurement.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Drives a running Ratchet cluster (through the client SDK) or etcd (through jetcd) with N "
                + "closed-loop clients, each with one operation in flight, over a fixed keyspace. Last line: "
                + "bench <mix> target=<t> clients=<n> ops_per_s=<x> p50_ms=<x> p99_ms=<x> p999_ms=<x>")
public final class KvBenchCommand implements Callable<Integer> {
    /** Exit code when operations failed (or the run could not start). */
    static final int EXIT_FAILURES = 1;
    /** How long the preload may take before the run is abandoned: 10,000 puts need seconds. */
    static final Duration PRELOAD_TIMEOUT = Duration.ofMinutes(10);
    /** The endpoints file of ratchet up is a few lines; a larger file is not ours and is not read. */
    static final long LOCAL_CLUSTER_FILE_BYTES_MAX = 64 * 1024;
    /** How long to wait after the window for operations in flight; later ones count as failures. */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

    /** Opens a target by name; injected so that tests run without a cluster. */
    interface TargetFactory {
        KvTarget open(String target, List<String> endpoints, Path simulatedCaDirectory);
    }

    @Option(
            names = "--clients",
            paramLabel = "N",
            description = "Logical clients (in-flight operations). Default: ${DEFAULT-VALUE}.")
    int clients = 1;

    @Option(names = "--duration", paramLabel = "S", description = "Measured seconds. Default: ${DEFAULT-VALUE}.")
    long durationSeconds = 30;

    @Option(
            names = "--warmup",
            paramLabel = "S",
            description = "Seconds of load before the measured window, not counted. Default: ${DEFAULT-VALUE}.")
    long warmupSeconds = 5;

    @Option(names = "--value-size", paramLabel = "B", description = "Bytes per value. Default: ${DEFAULT-VALUE}.")
    int valueSizeBytes = 256;

    @Option(
            names = "--mix",
            paramLabel = "MIX",
            description = "put, get or put:get (half each). Default: ${DEFAULT-VALUE}.")
    String mix = "put";

    @Option(names = "--target", paramLabel = "T", description = "ratchet or etcd. Default: ${DEFAULT-VALUE}.")
    String target = "ratchet";

    @Option(
            names = "--endpoints",
            paramLabel = "HOST:PORT",
            split = ",",
            description = "Endpoints, comma-separated or repeated. Ratchet: cache nodes' client endpoints; default: "
                    + "those a running ratchet up published in $RATCHET_HOME/local-cluster.endpoints. "
                    + "etcd: default http://127.0.0.1:2379.")
    List<String> endpoints = new ArrayList<>();

    @Option(names = "--keys", paramLabel = "N", description = "Keyspace size. Default: ${DEFAULT-VALUE}.")
    int keyCount = 10_000;

    @Option(
            names = "--seed",
            paramLabel = "N",
            description = "Seeds key choices and value bytes. Default: ${DEFAULT-VALUE}.")
    long seed = 1;

    @Option(
            names = {"--sim-ca", "--simulated-ca"},
            paramLabel = "DIR",
            description = "Ratchet only: the local simulated CA whose INSECURE development evidence to trust. "
                    + "Default: $RATCHET_HOME/simulated-ca, or ~/.ratchet/simulated-ca.")
    Path simulatedCaDirectory;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final TargetFactory targets;
    private final Ticker ticker;

    /** The command as {@code ratchet bench} runs it: real targets, the system clock. */
    public KvBenchCommand() {
        this(KvBenchCommand::openTarget, Ticker.SYSTEM);
    }

    KvBenchCommand(TargetFactory targets, Ticker ticker) {
        this.targets = targets;
        this.ticker = ticker;
    }

    @Override
    public Integer call() throws InterruptedException {
        LoadSpec load = loadSpec();
        List<String> resolvedEndpoints = endpoints();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (KvTarget kv = targets.open(targetName(), resolvedEndpoints, simulatedCa())) {
            LoadGenerator generator = new LoadGenerator(load, kv, ticker);
            if (load.mix().readsKeys()) {
                err.printf(Locale.ROOT, "# preloading %d keys of %d bytes%n", load.keyCount(), load.valueSizeBytes());
                err.flush();
                if (!preload(generator, err)) {
                    return EXIT_FAILURES;
                }
            }
            err.printf(
                    Locale.ROOT,
                    "# %s target=%s clients=%d: warm-up %d s, then %d s measured%n",
                    load.mix().label(),
                    kv.name(),
                    load.clients(),
                    load.warmup().toSeconds(),
                    load.duration().toSeconds());
            err.flush();
            awaitRun(generator, load, err);
            BenchResult result = generator.result();
            if (result.failures() > 0) {
                out.println("errors=" + result.failures());
                err.println("# " + result.errors() + " failed, " + result.unfinished() + " unfinished; first failure: "
                        + (generator.firstError() == null ? "none" : LoadGenerator.describe(generator.firstError())));
            }
            out.println(result.summaryLine());
            out.flush();
            err.flush();
            return result.failures() > 0 ? EXIT_FAILURES : 0;
        }
    }

    private boolean preload(LoadGenerator generator, PrintWriter err) throws InterruptedException {
        try {
            generator.preload().get(PRELOAD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            err.println("error: " + LoadGenerator.describe(e));
        } catch (TimeoutException e) {
            err.println("error: preload did not finish in " + PRELOAD_TIMEOUT.toMinutes() + " minutes");
        }
        err.flush();
        return false;
    }

    private static void awaitRun(LoadGenerator generator, LoadSpec load, PrintWriter err) throws InterruptedException {
        Duration limit = load.warmup().plus(load.duration()).plus(DRAIN_TIMEOUT);
        try {
            generator.run().get(limit.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the load generator failed", e.getCause());
        } catch (TimeoutException e) {
            err.println(
                    "# operations still in flight " + DRAIN_TIMEOUT.toSeconds() + " s after the window: unfinished");
        }
    }

    private LoadSpec loadSpec() {
        Mix parsedMix;
        try {
            parsedMix = Mix.parse(mix);
        } catch (IllegalArgumentException e) {
            throw usage("--mix: " + e.getMessage());
        }
        if (durationSeconds < 1 || durationSeconds > LoadSpec.DURATION_MAX.toSeconds()) {
            throw usage("--duration must be 1.." + LoadSpec.DURATION_MAX.toSeconds() + " seconds: " + durationSeconds);
        }
        if (warmupSeconds < 0 || warmupSeconds > LoadSpec.DURATION_MAX.toSeconds()) {
            throw usage("--warmup must be 0.." + LoadSpec.DURATION_MAX.toSeconds() + " seconds: " + warmupSeconds);
        }
        try {
            return new LoadSpec(
                    parsedMix,
                    clients,
                    Duration.ofSeconds(warmupSeconds),
                    Duration.ofSeconds(durationSeconds),
                    keyCount,
                    valueSizeBytes,
                    seed);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private String targetName() {
        String name = target.toLowerCase(Locale.ROOT);
        if (!name.equals("ratchet") && !name.equals("etcd")) {
            throw usage("--target must be ratchet or etcd, not '" + target + "'");
        }
        return name;
    }

    private List<String> endpoints() {
        List<String> given = new ArrayList<>();
        for (String endpoint : endpoints) {
            if (!endpoint.isBlank()) {
                given.add(endpoint.trim());
            }
        }
        if (!given.isEmpty()) {
            return given;
        }
        if (targetName().equals("etcd")) {
            return List.of("http://127.0.0.1:2379");
        }
        List<String> published = localClusterEndpoints();
        if (!published.isEmpty()) {
            return published;
        }
        throw usage("no endpoint: give --endpoints HOST:PORT (a cache node's client endpoint), or start ratchet up");
    }

    /** The endpoints a running {@code ratchet up} published in $RATCHET_HOME; empty if none. */
    private static List<String> localClusterEndpoints() {
        Path file = ratchetHome().resolve("local-cluster.endpoints");
        try {
            if (!Files.isRegularFile(file) || Files.size(file) > LOCAL_CLUSTER_FILE_BYTES_MAX) {
                return List.of();
            }
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private Path simulatedCa() {
        if (simulatedCaDirectory != null) {
            return simulatedCaDirectory;
        }
        return ratchetHome().resolve("simulated-ca");
    }

    /** Where development state lives: {@code $RATCHET_HOME}, or {@code ~/.ratchet}. */
    private static Path ratchetHome() {
        String home = System.getenv("RATCHET_HOME");
        return home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home"), ".ratchet");
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private static KvTarget openTarget(String target, List<String> endpoints, Path simulatedCaDirectory) {
        return target.equals("etcd")
                ? EtcdTarget.connect(endpoints)
                : RatchetTarget.connect(endpoints, simulatedCaDirectory);
    }
}
