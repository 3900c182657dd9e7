package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Role;
import dev.ratchet.cache.CacheNode;
import dev.ratchet.cache.SafetyBreak;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ratis.protocol.RaftPeer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ratchet cache-node}: runs one cache node in the foreground until SIGTERM or SIGINT.
 *
 * <p>Output contract ({@code ratchet up} and tests wait for it): once serving, exactly one line
 * {@code cache-node listening on HOST:PORT node-id=<id>} on stdout, with the bound port (so port
 * 0 picks a free one). Logs go to stderr. A usage error exits 2, a failure to start (the tablet
 * store unreachable or not bootstrapped, registration refused, the port taken) exits 1. SIGTERM
 * and SIGINT close it cleanly: it stops serving, releases its stripes and deregisters. If the
 * tablet store says the node is no longer registered (another cache node expired it after its
 * heartbeats stopped for {@code --peer-expiry-seconds}, an operator deregistered it, or a policy
 * change evicted it), it stops and exits {@value #EXIT_REMOVED}: a supervisor should start a new
 * node, which gets a new identity.
 *
 * <p>Peers: the tablet-store nodes (their client ports), the sector servers and clients. On the
 * simulated platform this build's own measurement is allowed for each of those roles and for role
 * cache (the node checks its own evidence to learn the measurement it registers); on sev-snp,
 * pass {@code --allow-measurement} for tablet-store, sector, client and cache.
 */
@Command(
        name = "cache-node",
        mixinStandardHelpOptions = true,
        description = {
            "Run a cache node: serves get/put/compare-and-set/delete to attested clients, stores",
            "sealed tablets on the sector array and commits them through the tablet store."
        })
final class CacheNodeCommand implements Callable<Integer> {
    private static final List<Role> PEER_ROLES = List.of(Role.TABLET_STORE, Role.SECTOR, Role.CLIENT, Role.CACHE);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--listen",
            required = true,
            paramLabel = "HOST:PORT",
            description = "Address to serve clients on; port 0 picks a free one.")
    String listen;

    @Option(
            names = "--tablet-store",
            required = true,
            paramLabel = "ID@HOST:S,C,A",
            description = "A tablet-store node, as its ready line prints it; repeat for every member.")
    List<String> tabletStoreTexts;

    @Option(
            names = "--peer-expiry-seconds",
            paramLabel = "S",
            description =
                    "Expire another cache node whose heartbeats stood still this long (default: ${DEFAULT-VALUE}).")
    long peerExpirySeconds = 30;

    @Option(
            names = "--break",
            paramLabel = "NAME",
            description =
                    "INSECURE, chaos tests only, with --platform simulated: break a safety rule on purpose"
                            + " (ack-before-commit, unconfirmed-reads, skip-digest), so a chaos run must find the violation; repeatable.")
    List<String> breakNames = new ArrayList<>();

    @Mixin
    PlatformOptions platformOptions;

    /** Exit code when the tablet store no longer knows this node. */
    static final int EXIT_REMOVED = 4;

    @Override
    public Integer call() throws IOException, AttestationException, InterruptedException {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw usage("--listen must be HOST:PORT, not '" + listen + "'");
        }
        String host = listen.substring(0, colon).replace("[", "").replace("]", "");
        int port = parsePort(listen.substring(colon + 1));
        List<RaftPeer> peers = RaftCommand.peers(spec.commandLine(), "--tablet-store", tabletStoreTexts);
        Clock clock = Clock.systemUTC();
        Set<SafetyBreak> breaks = EnumSet.noneOf(SafetyBreak.class);
        for (String name : breakNames) {
            breaks.add(SafetyBreak.byCliName(name)
                    .orElseThrow(
                            () -> usage("--break must be ack-before-commit, unconfirmed-reads or skip-digest, not '"
                                    + name + "'")));
        }
        if (!breaks.isEmpty() && !"simulated".equals(platformOptions.platformName)) {
            throw usage("--break is for chaos tests on --platform simulated only");
        }
        PlatformOptions.Platform platform = platformOptions.platform(Role.CACHE, PEER_ROLES, clock);
        if (peerExpirySeconds < 1 || peerExpirySeconds > 86_400) {
            throw usage("--peer-expiry-seconds must be 1..86400, not " + peerExpirySeconds);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean removed = new AtomicBoolean();
        CacheNode node = CacheNode.builder(platform.identity(), platform.verifier(), peers)
                .listen(host, port)
                .safetyBreaks(breaks)
                .clock(clock)
                .peerExpiry(Duration.ofSeconds(peerExpirySeconds))
                .onRemoved(() -> {
                    removed.set(true);
                    stopped.countDown();
                })
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(node, stopped), "cache-node-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("cache-node listening on " + host + ":" + node.port() + " node-id=" + node.nodeId());
        out.flush();
        stopped.await();
        if (removed.get()) {
            node.close();
            spec.commandLine()
                    .getErr()
                    .println("error: the tablet store no longer knows cache node " + node.nodeId()
                            + " (expired, deregistered or evicted by policy); start a new one");
            return EXIT_REMOVED;
        }
        return 0;
    }

    private static void closeQuietly(CacheNode node, CountDownLatch stopped) {
        try {
            node.close();
        } catch (RuntimeException e) {
            System.err.println("error: closing the cache node failed: " + e.getMessage());
        } finally {
            stopped.countDown();
        }
    }

    private int parsePort(String text) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // Reported below with the same message as an out-of-range number.
        }
        throw usage("--listen port must be 0..65535, not '" + text + "'");
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
