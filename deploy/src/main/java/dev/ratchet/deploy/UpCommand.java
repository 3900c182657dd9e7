package dev.ratchet.deploy;

import dev.ratchet.attestation.simulated.SimulatedCa;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ratchet up}: a whole cluster on this machine, on loopback and the INSECURE simulated TEE,
 * each role its own process, in the foreground until Ctrl-C or SIGTERM.
 *
 * <p>Order: the tablet-store nodes, the K+M sector servers (unclaimed), {@code raft bootstrap} in
 * this process (the attested admin tool; it claims the sector servers), then the cache nodes.
 * Each child runs this JVM's java and class path with {@link RatchetCli}; its stdout and stderr go
 * to {@code <dir>/<name>.out} and {@code .err}, and {@code up} waits a bounded time for its ready
 * line, failing with the tail of its stderr.
 *
 * <p>Output contract: progress lines, then one line {@code ratchet up ready endpoints=HOST:PORT[,...]}
 * once every process is ready (tests and scripts wait for it), then how to try it. The endpoints
 * are also written to {@link LocalClusterEndpoints} so the data commands find the cluster. On
 * SIGINT/SIGTERM every child is stopped (SIGTERM, a bounded wait, SIGKILL) and the directory and
 * endpoints file are deleted. A child that dies on its own is reported at once on stderr. Exit
 * codes: 0 stopped by a signal, 1 the cluster could not start, 2 a usage error.
 */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = {
            "Start a local development cluster: tablet-store nodes, sector servers and cache nodes, each its own"
                    + " process, on 127.0.0.1 and the INSECURE simulated TEE. Ctrl-C stops it.",
        })
final class UpCommand implements Callable<Integer> {
    /** How long one process may take to print its ready line: JVM start plus simulated attestation, on a busy laptop. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    /** How long a child may take to stop after SIGTERM before it is killed. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    /**
     * Child JVM options: small heaps and the serial collector, because a laptop runs ten of these
     * processes at once and none holds much on the heap (sectors are off-heap). The C2 compiler
     * stays on: without it (C1 only) TLS's AES-GCM, SHA-256 and the erasure code run without
     * their CPU intrinsics, and a measured put load ran about ten times slower.
     */
    static final List<String> CHILD_JVM_OPTIONS = List.of("-XX:+UseSerialGC");

    static final Pattern TABLET_STORE_READY =
            Pattern.compile("tablet-store listening on (\\S+:\\d+,\\d+,\\d+) node-id=([0-9a-f]{64})");
    static final Pattern SECTOR_SERVER_READY =
            Pattern.compile("sector-server listening on (\\S+:\\d+) node-id=([0-9a-f]{64})");
    static final Pattern CACHE_NODE_READY =
            Pattern.compile("cache-node listening on (\\S+:\\d+) node-id=([0-9a-f]{64})");

    private static final String MARKER = ".ratchet-up";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--nodes", paramLabel = "3|5", description = "Tablet-store nodes (default: ${DEFAULT-VALUE}).")
    int nodes = 3;

    @Option(
            names = "--geometry",
            paramLabel = "K+M",
            description = "Sector array: data+parity shards, one sector server each (default: ${DEFAULT-VALUE}).")
    String geometry = "4+2";

    @Option(names = "--cache-nodes", paramLabel = "N", description = "Cache nodes (default: ${DEFAULT-VALUE}).")
    int cacheNodes = 1;

    @Option(
            names = "--stripes",
            paramLabel = "N",
            description = "Stripes, i.e. 4096-byte sectors per sector server (default: ${DEFAULT-VALUE}).")
    long stripes = 4096;

    @Option(names = "--tablets", paramLabel = "N", description = "Initial tablets (default: ${DEFAULT-VALUE}).")
    int tablets = 8;

    @Option(
            names = "--base-port",
            paramLabel = "P",
            description = "First of consecutive ports to use; 0 takes any free ports (default: ${DEFAULT-VALUE}).")
    int basePort = 0;

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description = "Directory for the processes' logs, deleted on exit (default: $RATCHET_HOME/local-cluster).")
    Path directory;

    @Option(
            names = "--sim-ca",
            paramLabel = "DIR",
            description = "Directory of the local simulated CA (default: ${DEFAULT-VALUE}).")
    Path simulatedCaDirectory = DevelopmentDefaults.simulatedCaDirectory();

    private final AtomicBoolean cleanedUp = new AtomicBoolean();

    @Override
    public Integer call() throws IOException, InterruptedException {
        LocalClusterPlan plan;
        try {
            plan = LocalClusterPlan.of(nodes, geometry, cacheNodes, stripes, tablets, basePort, UpCommand::freePort);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path home = DevelopmentDefaults.home();
        Path endpointsFile = LocalClusterEndpoints.file(home);
        OptionalLong running = LocalClusterEndpoints.liveOwner(endpointsFile);
        if (running.isPresent()) {
            err.println("error: a local cluster is already running (ratchet up, pid " + running.getAsLong() + "; see "
                    + endpointsFile + "); stop it first");
            return 1;
        }
        Path runDirectory = directory == null ? home.resolve("local-cluster") : directory;
        prepare(runDirectory);
        SimulatedCa.loadOrCreate(simulatedCaDirectory, Clock.systemUTC());
        long pid = ProcessHandle.current().pid();
        ProcessSupervisor supervisor = new ProcessSupervisor(
                        ProcessSupervisor.sameJava(),
                        RatchetCli.class.getName(),
                        runDirectory,
                        STOP_TIMEOUT,
                        message -> {
                            err.println(message);
                            err.flush();
                        })
                .detachedFromTerminal();
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable cleanUp = () -> cleanUp(supervisor, runDirectory, endpointsFile, pid, out);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            cleanUp.run();
                            stopped.countDown();
                        },
                        "ratchet-up-shutdown"));

        out.println("INSECURE: a local development cluster on the SIMULATED TEE: nothing here is protected;"
                + " never put real secrets in it");
        out.println("logs: " + runDirectory);
        out.flush();
        List<String> endpoints;
        try {
            endpoints = start(plan, supervisor, out);
        } catch (ProcessSupervisor.StartException | BootstrapException e) {
            err.println("error: the cluster did not start: " + e.getMessage());
            err.flush();
            cleanUp.run();
            return 1;
        }
        if (!endpoints.isEmpty()) {
            LocalClusterEndpoints.write(endpointsFile, pid, endpoints);
        }
        printReady(endpoints, endpointsFile, out);
        stopped.await();
        return 0;
    }

    private List<String> start(LocalClusterPlan plan, ProcessSupervisor supervisor, PrintWriter out)
            throws ProcessSupervisor.StartException, BootstrapException, InterruptedException {
        Path ca = simulatedCaDirectory;
        out.println("starting " + plan.nodes() + " tablet-store nodes");
        out.flush();
        List<ProcessSupervisor.Child> stores = new ArrayList<>();
        for (int i = 0; i < plan.nodes(); i++) {
            stores.add(supervisor.start(
                    "tablet-store-" + i, jvm("-Xmx256m"), plan.tabletStoreArgs(i, ca), TABLET_STORE_READY));
        }
        List<String> peers = awaitAll(supervisor, stores, out, "tablet-store");

        out.println("starting " + plan.sectorServers() + " sector servers (" + plan.dataShards() + "+"
                + plan.parityShards() + ", " + plan.stripes() + " sectors each)");
        out.flush();
        // Sectors live off-heap; leave room for gRPC's buffers beside them.
        String directMemory = "-XX:MaxDirectMemorySize=" + (plan.stripes() * 4096 + (64L << 20));
        List<ProcessSupervisor.Child> sectors = new ArrayList<>();
        for (int j = 0; j < plan.sectorServers(); j++) {
            sectors.add(supervisor.start(
                    "sector-server-" + j,
                    jvm("-Xmx128m", directMemory),
                    plan.sectorServerArgs(j, ca),
                    SECTOR_SERVER_READY));
        }
        List<String> slots = awaitAll(supervisor, sectors, out, "sector");

        out.println("bootstrapping the cluster (raft bootstrap, in this process)");
        out.flush();
        for (String line : bootstrap(plan.bootstrapArgs(peers, slots, ca))) {
            out.println("  " + line);
        }

        if (plan.cacheNodes() > 0) {
            out.println("starting " + plan.cacheNodes() + " cache node" + (plan.cacheNodes() == 1 ? "" : "s"));
            out.flush();
        }
        List<ProcessSupervisor.Child> caches = new ArrayList<>();
        for (int c = 0; c < plan.cacheNodes(); c++) {
            caches.add(supervisor.start(
                    "cache-node-" + c, jvm("-Xmx512m"), plan.cacheNodeArgs(c, peers, ca), CACHE_NODE_READY));
        }
        List<String> endpoints = new ArrayList<>();
        for (String cache : awaitAll(supervisor, caches, out, "cache-node")) {
            endpoints.add(cache.substring(cache.indexOf('@') + 1));
        }
        return endpoints;
    }

    /** Waits for each child's ready line, prints {@code <label> ID@ADDRESS}, and returns those. */
    private static List<String> awaitAll(
            ProcessSupervisor supervisor, List<ProcessSupervisor.Child> children, PrintWriter out, String label)
            throws ProcessSupervisor.StartException, InterruptedException {
        List<String> named = new ArrayList<>();
        for (ProcessSupervisor.Child child : children) {
            Matcher ready = supervisor.awaitReady(child, READY_TIMEOUT);
            String node = ready.group(2) + "@" + ready.group(1);
            named.add(node);
            out.println("  " + label + " " + node + " (pid " + child.process().pid() + ")");
            out.flush();
        }
        return named;
    }

    /** Why the in-process bootstrap failed, with its output. */
    static final class BootstrapException extends Exception {
        private static final long serialVersionUID = 1L;

        BootstrapException(String message) {
            super(message);
        }
    }

    /** Runs {@code raft bootstrap} in this process and returns its output lines. */
    private static List<String> bootstrap(List<String> args) throws BootstrapException {
        StringWriter output = new StringWriter();
        CommandLine bootstrap = RatchetCli.newCommandLine();
        bootstrap.setOut(new PrintWriter(output, true));
        bootstrap.setErr(new PrintWriter(output, true));
        int exitCode = bootstrap.execute(args.toArray(String[]::new));
        if (exitCode != 0) {
            throw new BootstrapException("raft bootstrap exited " + exitCode + ":\n"
                    + output.toString().strip());
        }
        return output.toString().lines().toList();
    }

    private void printReady(List<String> endpoints, Path endpointsFile, PrintWriter out) {
        out.println("ratchet up ready endpoints=" + String.join(",", endpoints));
        if (endpoints.isEmpty()) {
            out.println("no cache nodes (--cache-nodes 0): the tablet store and the sector array run, with no client"
                    + " endpoint");
        } else {
            out.println("client endpoint" + (endpoints.size() == 1 ? " " : "s ") + String.join(", ", endpoints)
                    + " (written to " + endpointsFile + ", which the commands below read)");
            out.println("try, in another terminal:");
            out.println("  deploy/bin/ratchet put hello world");
            out.println("  deploy/bin/ratchet get hello -v");
            out.println("  deploy/bin/ratchet cas hello --expect-value world there");
            out.println("  deploy/bin/ratchet del hello");
            out.println("  deploy/bin/ratchet status");
        }
        out.println("Ctrl-C stops the cluster and deletes its logs.");
        out.flush();
    }

    private void cleanUp(
            ProcessSupervisor supervisor, Path runDirectory, Path endpointsFile, long pid, PrintWriter out) {
        if (!cleanedUp.compareAndSet(false, true)) {
            return;
        }
        out.println("stopping the cluster");
        out.flush();
        // Cache nodes first: they release their stripes and deregister through the tablet store.
        List<String> killed =
                new ArrayList<>(supervisor.stop(child -> child.name().startsWith("cache-node-")));
        killed.addAll(supervisor.stopAll());
        if (!killed.isEmpty()) {
            out.println("killed (did not stop within " + STOP_TIMEOUT.toSeconds() + " s): " + killed);
        }
        try {
            LocalClusterEndpoints.removeIfOwnedBy(endpointsFile, pid);
            deleteTree(runDirectory);
        } catch (IOException | UncheckedIOException e) {
            out.println("warning: could not delete " + runDirectory + " or " + endpointsFile + ": " + e.getMessage());
        }
        out.println("stopped");
        out.flush();
    }

    private static List<String> jvm(String... options) {
        List<String> all = new ArrayList<>(CHILD_JVM_OPTIONS);
        all.addAll(List.of(options));
        return all;
    }

    // A directory left by an up that was killed is reused; anything else that is not empty is refused.
    private void prepare(Path runDirectory) throws IOException {
        if (Files.isDirectory(runDirectory)) {
            boolean empty;
            try (Stream<Path> entries = Files.list(runDirectory)) {
                empty = entries.findAny().isEmpty();
            }
            if (!empty && !Files.exists(runDirectory.resolve(MARKER))) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--dir " + runDirectory + " is not empty and not a ratchet up directory; it would be deleted");
            }
            deleteTree(runDirectory);
        }
        Files.createDirectories(runDirectory);
        Files.createFile(runDirectory.resolve(MARKER));
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    // Ports below the ephemeral ranges of Linux (32768-60999) and macOS/Windows (49152-65535), so
    // an outgoing connection of an earlier child cannot take a port a later child will listen on.
    static final int FREE_PORT_FIRST = 20_000;
    static final int FREE_PORT_LAST = 32_767;

    private static int freePort() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        IOException last = null;
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = random.nextInt(FREE_PORT_FIRST, FREE_PORT_LAST + 1);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(LocalClusterPlan.HOST))) {
                return socket.getLocalPort();
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException(
                "cannot find a free port on " + LocalClusterPlan.HOST + " in " + FREE_PORT_FIRST + ".."
                        + FREE_PORT_LAST,
                last);
    }
}
