package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.simulated.CodeMeasurement;
import dev.ratchet.attestation.simulated.SimulatedProvider;
import dev.ratchet.raft.RaftGroupClient;
import dev.ratchet.tablet.Proposals;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.TabletStoreNode;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.RotateDataKeyResult;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ratchet raft replace} end to end: three {@code ratchet tablet-store} processes and one
 * sector server on the simulated platform, bootstrapped with {@code ratchet raft bootstrap}; the
 * leader is killed with SIGKILL, a freshly started node replaces it through {@code raft replace},
 * {@code raft members} (asked of the newcomer) lists the two survivors and the newcomer, and the
 * group commits: with all three, and again after a survivor is killed, when the newcomer is needed
 * for the majority.
 */
class RaftReplaceIT {
    private final Clock clock = Clock.systemUTC();

    @RegisterExtension
    final LauncherProcesses processes = new LauncherProcesses();

    @Test
    void aKilledLeader_replacedByAFreshNode_leavesAGroupThatCommits_evenWhenItNeedsTheNewcomer() throws Exception {
        // This test commits as an operator tool of its own, not of the launched build, so the
        // nodes allow its measurement explicitly.
        byte[] codeDigest = new byte[48];
        Arrays.fill(codeDigest, (byte) 5);
        CodeMeasurement measurement = CodeMeasurement.ofCodeDigest(codeDigest);
        String[] allowOperator = {"--allow-measurement", "client=" + measurement.hexForRole(Role.CLIENT)};
        List<LauncherProcesses.TabletStore> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(processes.startTabletStore("node-" + i, allowOperator));
        }
        String sector = processes.startSectorServer("sector-0", 64);
        List<String> bootstrap = new ArrayList<>(List.of("raft", "bootstrap"));
        nodes.forEach(node -> bootstrap.addAll(List.of("--peer", node.peer())));
        bootstrap.addAll(List.of("--geometry", "1+0", "--tablets", "4", "--stripes", "64", "--sector", sector));
        bootstrap.addAll(processes.simulated());
        assertTrue(processes.run("bootstrap", bootstrap).startsWith("bootstrapped 3 members\n"));

        String leader = leaderLine(members("members-before", nodes.get(0)));
        LauncherProcesses.TabletStore dead = nodes.stream()
                .filter(n -> n.nodeId().equals(leader))
                .findFirst()
                .orElseThrow();
        LauncherProcesses.kill(dead.process());
        List<LauncherProcesses.TabletStore> survivors =
                nodes.stream().filter(n -> n != dead).toList();

        LauncherProcesses.TabletStore fresh = processes.startTabletStore("node-3", allowOperator);
        List<String> replace =
                new ArrayList<>(List.of("raft", "replace", "--dead", dead.nodeId(), "--peer", fresh.peer()));
        survivors.forEach(node -> replace.addAll(List.of("--via", node.peer())));
        replace.addAll(processes.simulated());
        String replaced = processes.run("replace", replace);
        assertTrue(replaced.startsWith("replaced " + dead.nodeId() + " with " + fresh.nodeId() + "\n"), replaced);
        List<String> expected =
                List.of(survivors.get(0).peer(), survivors.get(1).peer(), fresh.peer());
        assertEquals(sorted(expected), memberLines(replaced), replaced);

        String listed = members("members-after", fresh);
        assertEquals(sorted(expected), memberLines(listed), listed);
        String newLeader = leaderLine(listed);
        assertTrue(expected.stream().anyMatch(p -> p.startsWith(newLeader + "@")), listed);

        try (TabletStoreClient operator = operator(measurement, expected)) {
            assertRotatedTo(2, operator.submit(new Proposals().rotateDataKey(2)));
            // Two of three left: no majority without the newcomer.
            LauncherProcesses.kill(survivors.get(0).process());
            assertRotatedTo(3, operator.submit(new Proposals().rotateDataKey(3)));
        }
        LauncherProcesses.stop(survivors.get(1).process());
        LauncherProcesses.stop(fresh.process());
    }

    private String members(String name, LauncherProcesses.TabletStore via) throws Exception {
        List<String> members = new ArrayList<>(List.of("raft", "members", "--via", via.peer()));
        members.addAll(processes.simulated());
        return processes.run(name, members);
    }

    private TabletStoreClient operator(CodeMeasurement measurement, List<String> members) throws Exception {
        NodeIdentity identity =
                NodeIdentity.generate(Role.CLIENT, SimulatedProvider.create(processes.ca(), measurement, clock), clock);
        return new TabletStoreClient(RaftGroupClient.builder(
                        identity,
                        LauncherProcesses.anySimulatedMeasurement(processes.ca()),
                        TabletStoreNode.GROUP_ID,
                        members.stream().map(RaftPeerAddress::parse).toList())
                .clock(clock)
                // Rides out the election after a kill; production election timeouts are 1-2 s.
                .requestTimeout(Duration.ofSeconds(5))
                .attempts(20, Duration.ofMillis(200), Duration.ofSeconds(2))
                .build());
    }

    private static void assertRotatedTo(long epoch, Result result) {
        assertEquals(RotateDataKeyResult.Status.OK, result.getRotateDataKey().getStatus(), result::toString);
        assertEquals(epoch, result.getRotateDataKey().getCurrentEpoch(), result::toString);
    }

    private static List<String> memberLines(String output) {
        return output.lines()
                .filter(l -> l.startsWith("member "))
                .map(l -> l.substring("member ".length()))
                .sorted()
                .toList();
    }

    private static String leaderLine(String output) {
        return output.lines()
                .filter(l -> l.startsWith("leader "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no leader line:\n" + output))
                .substring("leader ".length());
    }

    private static List<String> sorted(List<String> peers) {
        return peers.stream().sorted().toList();
    }
}
