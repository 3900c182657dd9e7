package dev.ratchet.chaos.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A chaos run's own network: a bridge {@code rch<R>} in the runner's namespace holding {@code
 * 10.213.R.1/24}, and one network namespace {@code rch<R>-<i>} per process with the single address
 * {@code 10.213.R.i} on a veth into the bridge, so the runner (the workload's clients, the {@code
 * ratchet} tools) reaches every process and the processes reach each other through the bridge.
 *
 * <p>Confinement: the namespaces get no default route and the run sets up no NAT or forwarding,
 * so nothing leaves the host; the addresses are private and R is chosen so that no other live
 * run uses it. Faults are iptables rules inside a victim's namespace ({@code INPUT -s SOURCE -j
 * DROP}, or with {@code -m statistic} for random loss), so they reach every link of the victim
 * whatever its protocol; {@link #healAll} flushes them.
 *
 * <p>Teardown is strict: {@link #close} kills whatever still runs in the namespaces and deletes
 * them and the bridge. A run that was itself killed leaves a state file under {@link #STATE_DIR}
 * naming its pid and what it created; the next run reaps every state file whose owner is gone.
 */
public final class NamespaceNetwork implements Network {
    /** Where each live run records what it created; {@code /run} is RAM, cleared at boot. */
    static final Path STATE_DIR = Path.of("/run/ratchet-chaos");

    private static final String PREFIX = "rch";
    private static final int FIRST_PORT = 7400;
    private static final long COMMAND_TIMEOUT_SECONDS = 30;
    private static volatile String capabilityProbe;

    private final int subnet;
    private final Path stateFile;
    private final List<Host> hosts = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextHost = new AtomicInteger(2);
    private volatile boolean closed;

    private NamespaceNetwork(int subnet, Path stateFile) {
        this.subnet = subnet;
        this.stateFile = stateFile;
    }

    /**
     * Why this machine cannot give a run namespaces (not root, no {@code ip} or {@code iptables},
     * or creating a namespace fails), or empty if it can. Probed once per JVM.
     */
    static String missingCapability() {
        String probe = capabilityProbe;
        if (probe == null) {
            probe = probe();
            capabilityProbe = probe;
        }
        return probe;
    }

    private static String probe() {
        try {
            String uid = String.join("", run(List.of("id", "-u"))).strip();
            if (!uid.equals("0")) {
                return "not root (uid " + uid + ")";
            }
            run(List.of("ip", "-V"));
            run(List.of("iptables", "-V"));
            String name = PREFIX + "probe" + ProcessHandle.current().pid() % 100_000;
            run(List.of("ip", "netns", "add", name));
            try {
                run(List.of("ip", "netns", "exec", name, "iptables", "-w", "-L", "INPUT", "-n"));
            } finally {
                run(List.of("ip", "netns", "del", name));
            }
            return "";
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /**
     * Reaps the leftovers of dead runs, then creates a bridge on a subnet no live run uses.
     *
     * @throws IOException if no subnet is free or the bridge cannot be made
     */
    static NamespaceNetwork create() throws IOException {
        Files.createDirectories(STATE_DIR);
        reapOrphans();
        for (int subnet = 1; subnet < 255; subnet++) {
            Path state = STATE_DIR.resolve(Integer.toString(subnet));
            if (linkExists(bridgeName(subnet))) {
                continue;
            }
            try {
                Files.writeString(state, ownerLine() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
            } catch (FileAlreadyExistsException taken) {
                continue;
            }
            NamespaceNetwork network = new NamespaceNetwork(subnet, state);
            try {
                network.record("bridge " + bridgeName(subnet));
                String bridge = bridgeName(subnet);
                run(List.of("ip", "link", "add", bridge, "type", "bridge"));
                run(List.of("ip", "addr", "add", network.address(1) + "/24", "dev", bridge));
                run(List.of("ip", "link", "set", bridge, "up"));
                return network;
            } catch (IOException | RuntimeException e) {
                network.close();
                throw e;
            }
        }
        throw new IOException("every chaos subnet 10.213.1-254.0/24 is in use");
    }

    @Override
    public Host newHost(String role) throws IOException {
        if (closed) {
            throw new IllegalStateException("the network is closed");
        }
        int index = nextHost.getAndIncrement();
        if (index > 254) {
            throw new IOException("a chaos network holds at most 253 processes");
        }
        String namespace = PREFIX + subnet + "-" + index;
        String veth = PREFIX + subnet + "v" + index;
        record("netns " + namespace);
        run(List.of("ip", "netns", "add", namespace));
        run(List.of("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace));
        run(List.of("ip", "link", "set", veth, "master", bridgeName(subnet), "up"));
        run(List.of("ip", "-n", namespace, "addr", "add", address(index) + "/24", "dev", "eth0"));
        run(List.of("ip", "-n", namespace, "link", "set", "eth0", "up"));
        run(List.of("ip", "-n", namespace, "link", "set", "lo", "up"));
        AtomicInteger ports = new AtomicInteger(FIRST_PORT);
        Host host =
                new Host(namespace, address(index), List.of("ip", "netns", "exec", namespace), ports::getAndIncrement);
        hosts.add(host);
        return host;
    }

    @Override
    public String whyNoPartitions() {
        return "";
    }

    @Override
    public void drop(Host victim, Collection<Host> sources) throws IOException {
        for (Host source : sources) {
            if (source != victim) {
                iptables(victim, "-A", "INPUT", "-s", source.address(), "-j", "DROP");
            }
        }
    }

    @Override
    public void lose(Host victim, double probability) throws IOException {
        if (!(probability > 0 && probability < 1)) {
            throw new IllegalArgumentException("loss probability must be in (0, 1), not " + probability);
        }
        iptables(
                victim,
                "-A",
                "INPUT",
                "-s",
                "10.213." + subnet + ".0/24",
                "-m",
                "statistic",
                "--mode",
                "random",
                "--probability",
                String.format(Locale.ROOT, "%.3f", probability),
                "-j",
                "DROP");
    }

    @Override
    public void healAll() throws IOException {
        for (Host host : hosts) {
            iptables(host, "-F", "INPUT");
        }
    }

    /** Returns the {@code iptables -S INPUT} rules of {@code host}: what drops it now. */
    public List<String> rules(Host host) throws IOException {
        return run(List.of("ip", "netns", "exec", host.name(), "iptables", "-w", "-S", "INPUT"));
    }

    private static void iptables(Host host, String... rule) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", host.name(), "iptables", "-w"));
        command.addAll(List.of(rule));
        run(command);
    }

    @Override
    public String describe() {
        return "network: bridge " + bridgeName(subnet) + " " + address(1)
                + "/24, one network namespace per process, partitions by iptables";
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> state;
        try {
            state = Files.readAllLines(stateFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return; // nothing was created
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the run network's state " + stateFile, e);
        }
        teardown(state);
        // Strict: what survived is named, and the state file stays so the next run's reaper retries.
        List<String> left = leftovers(state);
        if (!left.isEmpty()) {
            throw new IllegalStateException(
                    "teardown left " + String.join(", ", left) + " behind; " + stateFile + " stays for the next run");
        }
        try {
            Files.deleteIfExists(stateFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the run network's state " + stateFile, e);
        }
    }

    /** The recorded namespaces and bridges that still exist. */
    private static List<String> leftovers(List<String> state) {
        List<String> left = new ArrayList<>();
        for (String line : state) {
            if (line.startsWith("netns ") && Files.exists(Path.of("/run/netns", line.substring("netns ".length())))) {
                left.add(line);
            } else if (line.startsWith("bridge ") && linkExists(line.substring("bridge ".length()))) {
                left.add(line);
            }
        }
        return left;
    }

    /** Kills what runs in each recorded namespace, deletes the namespaces, then the bridge. */
    private static void teardown(List<String> state) {
        for (String line : state) {
            if (line.startsWith("netns ")) {
                String namespace = line.substring("netns ".length());
                try {
                    for (String pid : run(List.of("ip", "netns", "pids", namespace))) {
                        if (!pid.isBlank()) {
                            ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // The namespace may never have been made; the delete below says nothing either.
                }
                quietly(List.of("ip", "netns", "del", namespace));
            }
        }
        for (String line : state) {
            if (line.startsWith("bridge ")) {
                quietly(List.of("ip", "link", "del", line.substring("bridge ".length())));
            }
        }
    }

    /** Tears down what every run whose owner process is gone left behind. */
    static void reapOrphans() throws IOException {
        if (!Files.isDirectory(STATE_DIR)) {
            return;
        }
        try (DirectoryStream<Path> states = Files.newDirectoryStream(STATE_DIR)) {
            for (Path state : states) {
                List<String> lines = Files.readAllLines(state, StandardCharsets.UTF_8);
                if (lines.isEmpty() || !ownerAlive(lines.get(0))) {
                    teardown(lines);
                    Files.deleteIfExists(state);
                }
            }
        }
    }

    /** {@code owner PID START}: the start instant tells a reused pid from the owner. */
    private static String ownerLine() {
        ProcessHandle self = ProcessHandle.current();
        return "owner " + self.pid() + " "
                + self.info().startInstant().map(Instant::toString).orElse("?");
    }

    static boolean ownerAlive(String ownerLine) {
        String[] parts = ownerLine.split(" ");
        if (parts.length != 3 || !parts[0].equals("owner")) {
            return false;
        }
        Optional<ProcessHandle> owner;
        try {
            owner = ProcessHandle.of(Long.parseLong(parts[1]));
        } catch (NumberFormatException e) {
            return false;
        }
        return owner.filter(ProcessHandle::isAlive)
                .map(handle ->
                        handle.info().startInstant().map(Instant::toString).orElse("?"))
                .filter(parts[2]::equals)
                .isPresent();
    }

    private void record(String line) throws IOException {
        Files.writeString(stateFile, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private String address(int index) {
        return "10.213." + subnet + "." + index;
    }

    private static String bridgeName(int subnet) {
        return PREFIX + subnet;
    }

    private static boolean linkExists(String name) {
        try {
            run(List.of("ip", "link", "show", name));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void quietly(List<String> command) {
        try {
            run(command);
        } catch (IOException e) {
            // Teardown goes on with the rest.
        }
    }

    /** Runs a short system command; returns its output lines, or fails with them. */
    static List<String> run(List<String> command) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(command.get(0) + " cannot run: " + e.getMessage(), e);
        }
        try {
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish");
            }
            List<String> lines =
                    new String(output, StandardCharsets.UTF_8).lines().toList();
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": "
                        + String.join(" | ", lines));
            }
            return lines;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during " + String.join(" ", command), e);
        }
    }
}
