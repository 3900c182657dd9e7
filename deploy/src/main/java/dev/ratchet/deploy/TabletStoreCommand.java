package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Role;
import dev.ratchet.raft.NodeDeathListener;
import dev.ratchet.raft.RaftNode;
import dev.ratchet.tablet.TabletStoreNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ratchet tablet-store}: runs one tablet-store node in the foreground until SIGTERM or
 * SIGINT.
 *
 * <p>Output contract ({@code ratchet raft bootstrap}, {@code ratchet up} and tests rely on it):
 * once its ports are open, exactly one line {@code tablet-store listening on
 * HOST:SERVER,CLIENT,ADMIN node-id=<id>} on stdout. The node then waits for {@code ratchet raft
 * bootstrap} or {@code ratchet raft join}. A usage error exits 2, a failure to start exits 1, a
 * node that dies (a failed log, a diverged chain, a failed state machine) exits 70.
 *
 * <p>The node keeps its Raft log under a fresh directory of {@code --ram-root} (a RAM filesystem)
 * and deletes it when it stops; a stopped node never comes back, a new process is a new node. A
 * root that is not a RAM filesystem is refused (exit 1, saying why) unless {@code
 * --insecure-allow-disk} is given.
 */
@Command(
        name = "tablet-store",
        mixinStandardHelpOptions = true,
        description = {
            "Run a tablet-store node: one replica of the tablet store's Raft group, on attested TLS.",
            "It waits for 'ratchet raft bootstrap' (new cluster) or 'ratchet raft join' (running cluster)."
        })
final class TabletStoreCommand implements Callable<Integer> {
    private static final List<Role> PEER_ROLES = List.of(Role.TABLET_STORE, Role.CACHE, Role.CLIENT);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--listen", required = true, paramLabel = "HOST", description = "Address to bind and advertise.")
    String host;

    @Option(
            names = "--ports",
            required = true,
            paramLabel = "SERVER,CLIENT,ADMIN",
            description = "Three distinct ports: Raft replication, client requests, membership changes.")
    String ports;

    @Option(
            names = "--ram-root",
            paramLabel = "DIR",
            description = "RAM filesystem directory for the Raft log (default: ${DEFAULT-VALUE}).")
    Path ramRoot = RaftNode.DEFAULT_RAM_ROOT;

    @Option(
            names = "--insecure-allow-disk",
            description = "INSECURE, development only: start even if --ram-root is not a RAM filesystem"
                    + " (the Raft log, with the data keys and the authority key, then reaches the disk).")
    boolean insecureAllowDisk;

    @Mixin
    PlatformOptions platformOptions;

    @Override
    public Integer call() throws IOException, AttestationException, InterruptedException {
        int[] parsed;
        try {
            parsed = RaftPeerAddress.ports(ports, "--ports " + ports);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (host.isBlank()) {
            throw usage("--listen must name a host, such as 127.0.0.1");
        }
        Clock clock = Clock.systemUTC();
        PlatformOptions.Platform platform = platformOptions.platform(Role.TABLET_STORE, PEER_ROLES, clock);
        RaftNode.Builder builder;
        try {
            builder = RaftNode.builder(platform.identity(), platform.verifier())
                    .clock(clock)
                    .address(host, parsed[0], parsed[1], parsed[2])
                    .ramRoot(ramRoot)
                    .insecureAllowDisk(insecureAllowDisk);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        TabletStoreNode node = TabletStoreNode.start(builder, NodeDeathListener.EXIT);
        // The node's own hook also closes it; this one makes the stop explicit and lets main return.
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(node, stopped), "tablet-store-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("tablet-store listening on " + host + ":" + ports + " node-id=" + node.nodeId());
        out.flush();
        stopped.await();
        return 0;
    }

    private static void closeQuietly(TabletStoreNode node, CountDownLatch stopped) {
        try {
            node.close();
        } catch (IOException | RuntimeException e) {
            System.err.println("error: closing the tablet-store node failed: " + e.getMessage());
        } finally {
            stopped.countDown();
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
