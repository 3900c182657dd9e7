package dev.ratchet.chaos.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NamespaceNetwork} on this machine's kernel: hosts reach each other and the runner, a drop
 * cuts exactly the named direction, a heal restores it, and teardown (by close or by the reaper of
 * a dead run) leaves no namespace or bridge behind. Skipped, saying why, where namespaces are not
 * available (not root, no iptables).
 */
class NamespaceNetworkTest {
    private static final int PORT = 7000;

    @TempDir
    Path temp;

    private final List<Process> listeners = new ArrayList<>();
    private NamespaceNetwork network;

    @BeforeEach
    void needsNamespaces() {
        String missing = NamespaceNetwork.missingCapability();
        assumeTrue(missing.isEmpty(), "network namespaces are not available here: " + missing);
    }

    @AfterEach
    void tearDown() {
        listeners.forEach(Process::destroyForcibly);
        if (network != null) {
            network.close();
        }
    }

    @Test
    void aDropCutsOneDirectionOfOneLink_andHealAllRestoresIt() throws Exception {
        network = NamespaceNetwork.create();
        Host a = network.newHost("a");
        Host b = network.newHost("b");
        Host c = network.newHost("c");
        listen(a);
        listen(b);
        assertTrue(connects(b, a), "b reaches a");
        assertTrue(connects(c, a), "c reaches a");
        assertTrue(runnerConnects(a), "the runner reaches a through the bridge");

        network.drop(a, List.of(b));

        assertFalse(connects(b, a), "a drops what b sends");
        assertTrue(connects(c, a), "c still reaches a");
        assertTrue(runnerConnects(a), "the runner still reaches a");
        assertFalse(connects(a, b), "a TCP connection needs both directions: a's SYN-ACK never comes back");
        assertEquals(
                1,
                network.rules(a).stream().filter(rule -> rule.contains("DROP")).count());

        network.healAll();

        assertTrue(connects(b, a), "healed");
        assertTrue(connects(a, b), "healed");
        assertTrue(network.rules(a).stream().noneMatch(rule -> rule.contains("DROP")));
    }

    @Test
    void randomLossIsARuleOnTheVictim_andAProbabilityOutsideZeroToOneIsRefused() throws Exception {
        network = NamespaceNetwork.create();
        Host a = network.newHost("a");
        network.lose(a, 0.25);
        assertTrue(network.rules(a).stream().anyMatch(rule -> rule.contains("statistic") && rule.contains("0.25")));
        assertThrows(IllegalArgumentException.class, () -> network.lose(a, 1.0));
        assertThrows(IllegalArgumentException.class, () -> network.lose(a, 0));
    }

    @Test
    void closeKillsWhatRunsInTheNamespaces_andDeletesThemAndTheBridge() throws Exception {
        network = NamespaceNetwork.create();
        Host a = network.newHost("a");
        Process listener = listen(a);
        String bridge = bridgeOf(a);

        network.close();

        assertTrue(listener.waitFor(30, TimeUnit.SECONDS), "the process in the namespace is killed");
        assertFalse(namespaces().contains(a.name()));
        assertFalse(links().contains(bridge));
    }

    @Test
    void aTeardownThatLeavesSomethingBehind_saysWhat_andKeepsTheStateForTheReaper() throws Exception {
        network = NamespaceNetwork.create();
        Host a = network.newHost("a");
        Path state = stateFileOf(a);
        // A link no teardown can delete: the deletion fails and the link is still there after it.
        Files.writeString(state, "bridge lo\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        IllegalStateException e = assertThrows(IllegalStateException.class, network::close);

        assertTrue(e.getMessage().contains("teardown left bridge lo behind"), e.getMessage());
        assertFalse(namespaces().contains(a.name()), "the rest is still torn down");
        assertFalse(links().contains(bridgeOf(a)));
        assertTrue(Files.exists(state), "kept for the next run's reaper");
        Files.delete(state);
    }

    @Test
    void theNextRunReapsWhatADeadRunLeft_butNotWhatALiveRunHolds() throws Exception {
        network = NamespaceNetwork.create();
        Host orphan = network.newHost("a");
        Path state = stateFileOf(orphan);
        List<String> lines = new ArrayList<>(Files.readAllLines(state, StandardCharsets.UTF_8));
        String liveOwner = lines.get(0);

        NamespaceNetwork.reapOrphans();
        assertTrue(namespaces().contains(orphan.name()), "a live run's namespaces stay");

        lines.set(0, "owner 2147483646 1970-01-01T00:00:00Z");
        Files.write(state, lines, StandardCharsets.UTF_8);
        NamespaceNetwork.reapOrphans();

        assertFalse(namespaces().contains(orphan.name()), "a dead run's namespace is deleted");
        assertFalse(links().contains(bridgeOf(orphan)), "and its bridge");
        assertFalse(Files.exists(state), "and its state file");
        assertTrue(NamespaceNetwork.ownerAlive(liveOwner));
        assertFalse(NamespaceNetwork.ownerAlive("owner 2147483646 1970-01-01T00:00:00Z"));
        assertFalse(NamespaceNetwork.ownerAlive("garbage"));
    }

    /** Starts a TCP listener on {@code host}'s address (a single-file Java program in its namespace). */
    private Process listen(Host host) throws IOException {
        Path source = temp.resolve("Listen.java");
        if (!Files.exists(source)) {
            Files.writeString(source, """
                    public class Listen {
                        public static void main(String[] args) throws Exception {
                            try (var server = new java.net.ServerSocket()) {
                                server.bind(new java.net.InetSocketAddress(args[0], Integer.parseInt(args[1])));
                                System.out.println("listening");
                                System.out.flush();
                                while (true) {
                                    server.accept().close();
                                }
                            }
                        }
                    }
                    """);
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(host.commandPrefix());
        command.addAll(List.of(java, source.toString(), host.address(), Integer.toString(PORT)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        listeners.add(process);
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertEquals("listening", line, "the listener in " + host + " started");
        return process;
    }

    /** Whether a TCP connect from {@code from}'s namespace to {@code to}'s listener succeeds in 2 s. */
    private static boolean connects(Host from, Host to) throws Exception {
        List<String> command = new ArrayList<>(from.commandPrefix());
        command.addAll(List.of("timeout", "2", "bash", "-c", "</dev/tcp/" + to.address() + "/" + PORT));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(process.waitFor(20, TimeUnit.SECONDS));
        return process.exitValue() == 0;
    }

    private static boolean runnerConnects(Host to) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(to.address(), PORT), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String bridgeOf(Host host) {
        return host.name().substring(0, host.name().indexOf('-'));
    }

    private static Path stateFileOf(Host host) {
        return NamespaceNetwork.STATE_DIR.resolve(bridgeOf(host).substring("rch".length()));
    }

    private static List<String> namespaces() throws IOException {
        return NamespaceNetwork.run(List.of("ip", "netns", "list")).stream()
                .map(line -> line.split(" ")[0])
                .toList();
    }

    private static List<String> links() throws IOException {
        return NamespaceNetwork.run(List.of("ip", "-o", "link", "show")).stream()
                .map(line -> line.split(": ")[1].split("@")[0])
                .toList();
    }
}
