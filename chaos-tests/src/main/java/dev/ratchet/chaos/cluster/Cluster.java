package dev.ratchet.chaos.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A real Ratchet cluster for a chaos run: every role its own JVM, started from the {@code ratchet}
 * launcher with the INSECURE simulated platform, each with a log under {@code nodes/}. The tablet
 * store is bootstrapped with {@code ratchet raft bootstrap}, which claims the sector servers, and
 * then the cache nodes join. {@link #close} kills every process it started, by pid.
 *
 * <p>Each process gets a {@link Host} of the run's {@link Network}: with namespaces, its own
 * address and namespace, so link faults can reach it; on loopback, 127.0.0.1. The tools the
 * cluster runs ({@code ratchet raft}, {@code ratchet rebuild}) and the workload's clients run in
 * the runner's namespace and reach the processes through the bridge.
 */
public final class Cluster implements AutoCloseable {
    static final Pattern TABLET_STORE_READY =
            Pattern.compile("tablet-store listening on (\\S+:\\d+,\\d+,\\d+) node-id=([0-9a-f]{64})");
    static final Pattern SECTOR_SERVER_READY =
            Pattern.compile("sector-server listening on (\\S+:\\d+) node-id=([0-9a-f]{64})");
    static final Pattern CACHE_NODE_READY =
            Pattern.compile("cache-node listening on (\\S+:\\d+) node-id=([0-9a-f]{64})");
    private static final long READY_TIMEOUT_MILLIS = 120_000;
    private static final long BOOTSTRAP_TIMEOUT_SECONDS = 120;
    private static final long REBUILD_TIMEOUT_SECONDS = 300;

    private final ClusterSpec spec;
    private final Path launcher;
    private final Path runDirectory;
    private final Path simulatedCa;
    private final List<NodeProcess> tabletStores = new CopyOnWriteArrayList<>();
    private final List<NodeProcess> sectorServers = new CopyOnWriteArrayList<>();
    private final List<NodeProcess> cacheNodes = new CopyOnWriteArrayList<>();
    private final Network network;
    private volatile List<String> tabletStorePeers = List.of();
    private final List<String> safetyBreaks;
    private int started;

    private Cluster(ClusterSpec spec, Network network, Path launcher, Path runDirectory) {
        this.spec = spec;
        this.network = network;
        this.safetyBreaks = List.copyOf(spec.safetyBreaks());
        this.launcher = launcher;
        this.runDirectory = runDirectory;
        this.simulatedCa = runDirectory.resolve("simulated-ca");
    }

    /**
     * Starts a cluster of shape {@code spec} on {@code network} (which the caller closes after the
     * cluster) from the launcher {@code launcher} ({@code deploy/bin/ratchet}), with logs under
     * {@code runDirectory/nodes}.
     *
     * @throws IOException if some process does not start or the bootstrap fails; what started is
     *     killed
     */
    public static Cluster start(ClusterSpec spec, Network network, Path launcher, Path runDirectory)
            throws IOException {
        Files.createDirectories(runDirectory.resolve("nodes"));
        Cluster cluster = new Cluster(spec, network, launcher, runDirectory);
        try {
            cluster.bringUp();
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void bringUp() throws IOException {
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < spec.tabletStores(); i++) {
            peers.add(peerOf(startTabletStore()));
        }
        tabletStorePeers = List.copyOf(peers);
        List<String> sectors = new ArrayList<>();
        for (int j = 0; j < spec.dataShards() + spec.parityShards(); j++) {
            NodeProcess sector = startSectorServer();
            sectors.add(sector.readyLine().group(2) + "@" + sector.readyLine().group(1));
        }
        bootstrap(peers, sectors);
        for (int c = 0; c < spec.cacheNodes(); c++) {
            startCacheNode();
        }
    }

    /** Starts one more tablet-store node (not yet a member: a replacement must be joined). */
    public NodeProcess startTabletStore() throws IOException {
        Host host = network.newHost("tablet-store");
        String ports = host.freePort() + "," + host.freePort() + "," + host.freePort();
        NodeProcess node = start(
                "tablet-store",
                host,
                List.of("tablet-store", "--listen", host.address(), "--ports", ports),
                "-Xmx256m -XX:+UseSerialGC",
                TABLET_STORE_READY);
        tabletStores.add(node);
        return node;
    }

    /**
     * Starts one more sector server, unclaimed (a bootstrap or a rebuild claims it), that takes
     * RAM attacks on stdin ({@link NodeProcess#control}) for the storage nemeses.
     */
    public NodeProcess startSectorServer() throws IOException {
        Host host = network.newHost("sector-server");
        NodeProcess node = start(
                "sector-server",
                host,
                List.of(
                        "sector-server",
                        "--listen",
                        host.address() + ":0",
                        "--sectors",
                        Long.toString(spec.stripes()),
                        "--test-control"),
                "-Xmx128m -XX:+UseSerialGC -XX:MaxDirectMemorySize=" + (spec.stripes() * 4096 + (64L << 20)),
                SECTOR_SERVER_READY);
        sectorServers.add(node);
        return node;
    }

    /** Starts one more cache node against the tablet store's first members. */
    public NodeProcess startCacheNode() throws IOException {
        Host host = network.newHost("cache-node");
        return startCacheNode(host, host.address() + ":0");
    }

    /**
     * Starts a fresh cache node on the address of {@code dead} (which must be dead), so clients
     * that know only that address reach it; the old entry stays in {@link #cacheNodes}, dead.
     */
    public NodeProcess restartCacheNode(NodeProcess dead) throws IOException {
        if (dead.alive()) {
            throw new IllegalStateException(dead + " is still running");
        }
        return startCacheNode(dead.host(), dead.readyLine().group(1));
    }

    private NodeProcess startCacheNode(Host host, String listen) throws IOException {
        List<String> args = new ArrayList<>(List.of("cache-node", "--listen", listen));
        tabletStorePeers.forEach(peer -> args.addAll(List.of("--tablet-store", peer)));
        safetyBreaks.forEach(name -> args.addAll(List.of("--break", name)));
        NodeProcess node = start("cache-node", host, args, "-Xmx512m -XX:+UseSerialGC", CACHE_NODE_READY);
        cacheNodes.add(node);
        return node;
    }

    /**
     * Replaces the dead member {@code deadNodeId} with the fresh node {@code fresh} ({@code ratchet
     * raft replace}, through the members still alive), and makes later cache nodes use the new
     * membership.
     *
     * @throws IOException if the replace fails
     */
    public void replaceTabletStore(String deadNodeId, NodeProcess fresh) throws IOException {
        String joiner = peerOf(fresh);
        List<String> args = new ArrayList<>(List.of("raft", "replace", "--dead", deadNodeId, "--peer", joiner));
        for (NodeProcess member : tabletStores) {
            if (member.alive() && member != fresh && tabletStorePeers.contains(peerOf(member))) {
                args.addAll(List.of("--via", peerOf(member)));
            }
        }
        runToCompletion("raft-replace-" + fresh.name(), args, BOOTSTRAP_TIMEOUT_SECONDS);
        List<String> members = new ArrayList<>();
        for (String peer : tabletStorePeers) {
            if (!peer.startsWith(deadNodeId + "@")) {
                members.add(peer);
            }
        }
        members.add(joiner);
        tabletStorePeers = List.copyOf(members);
    }

    /**
     * Rebuilds slot {@code slot} onto the fresh sector server {@code fresh} with {@code ratchet
     * rebuild}, through the cache node at {@code cacheEndpoint}; returns its last line.
     *
     * @throws IOException if the rebuild fails
     */
    public String rebuild(int slot, NodeProcess fresh, String cacheEndpoint) throws IOException {
        String server = fresh.readyLine().group(2) + "@" + fresh.readyLine().group(1);
        List<String> output = runToCompletion(
                "rebuild-" + fresh.name(),
                List.of("rebuild", Integer.toString(slot), "--server", server, "--endpoint", cacheEndpoint),
                REBUILD_TIMEOUT_SECONDS);
        return output.isEmpty() ? "" : output.get(output.size() - 1);
    }

    /** Returns {@code ID@HOST:S,C,A} of a tablet-store node, as its ready line gave it. */
    public static String peerOf(NodeProcess tabletStore) {
        return tabletStore.readyLine().group(2) + "@" + tabletStore.readyLine().group(1);
    }

    /** Runs a short-lived {@code ratchet} command; returns its output lines, or fails with them. */
    private List<String> runToCompletion(String name, List<String> args, long timeoutSeconds) throws IOException {
        Path log = runDirectory.resolve("nodes").resolve(name + ".log");
        Process process = new ProcessBuilder(command(args))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(name + " did not finish in " + timeoutSeconds + " s (log: " + log + ")");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during " + name, e);
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(name + " exited " + process.exitValue() + ": " + String.join(" | ", lines));
        }
        return lines;
    }

    private void bootstrap(List<String> peers, List<String> sectors) throws IOException {
        List<String> args = new ArrayList<>(List.of("raft", "bootstrap"));
        peers.forEach(peer -> args.addAll(List.of("--peer", peer)));
        args.addAll(List.of(
                "--geometry",
                spec.dataShards() + "+" + spec.parityShards(),
                "--tablets",
                Integer.toString(spec.tablets()),
                "--stripes",
                Long.toString(spec.stripes())));
        sectors.forEach(sector -> args.addAll(List.of("--sector", sector)));
        runToCompletion("raft-bootstrap", args, BOOTSTRAP_TIMEOUT_SECONDS);
    }

    private NodeProcess start(String role, Host host, List<String> args, String jvmOptions, Pattern ready)
            throws IOException {
        String name;
        synchronized (this) {
            name = role + "-" + started++;
        }
        List<String> command = new ArrayList<>(host.commandPrefix());
        Path clockFile = null;
        if (spec.fakeClocks()) {
            clockFile = runDirectory.resolve("nodes").resolve(name + ".clock");
            Files.writeString(clockFile, "+0s\n", StandardCharsets.US_ASCII);
            command.addAll(List.of(
                    "env",
                    "LD_PRELOAD=" + FakeClock.library(),
                    "FAKETIME_TIMESTAMP_FILE=" + clockFile,
                    "FAKETIME_CACHE_DURATION=1",
                    "FAKETIME_DONT_FAKE_MONOTONIC=1",
                    // Without this libfaketime wraps every clock_gettime in a fix-up loop that
                    // keeps the JVM's threads spinning (measured: 10x the CPU of an idle node).
                    "FAKETIME_FORCE_MONOTONIC_FIX=0"));
        }
        command.addAll(withJvmOptions(command(args), jvmOptions));
        Path log = runDirectory.resolve("nodes").resolve(name + ".log");
        return NodeProcess.start(name, host, clockFile, command, log, ready, READY_TIMEOUT_MILLIS);
    }

    private List<String> command(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(args);
        command.addAll(List.of("--platform", "simulated", "--allow-simulated", "--sim-ca", simulatedCa.toString()));
        return command;
    }

    /** The launcher reads JVM options from RATCHET_JAVA_OPTS; {@code env} runs it with them set. */
    private static List<String> withJvmOptions(List<String> command, String jvmOptions) {
        List<String> withEnv = new ArrayList<>(List.of("env", "RATCHET_JAVA_OPTS=" + jvmOptions));
        withEnv.addAll(command);
        return withEnv;
    }

    public ClusterSpec spec() {
        return spec;
    }

    /** The network the processes run on, and the link faults it can inject. */
    public Network network() {
        return network;
    }

    /** The tablet-store nodes started so far, dead ones included. */
    public List<NodeProcess> tabletStores() {
        return List.copyOf(tabletStores);
    }

    public List<NodeProcess> sectorServers() {
        return List.copyOf(sectorServers);
    }

    public List<NodeProcess> cacheNodes() {
        return List.copyOf(cacheNodes);
    }

    /** The cache nodes' client endpoints (HOST:PORT), each once, live or not. */
    public List<String> cacheEndpoints() {
        return cacheNodes.stream()
                .map(node -> node.readyLine().group(1))
                .distinct()
                .toList();
    }

    /** The simulated CA every process and client of this run trusts. */
    public Path simulatedCa() {
        return simulatedCa;
    }

    @Override
    public void close() {
        List<NodeProcess> all = new ArrayList<>();
        all.addAll(cacheNodes);
        all.addAll(sectorServers);
        all.addAll(tabletStores);
        for (NodeProcess node : all) {
            node.close();
        }
    }
}
