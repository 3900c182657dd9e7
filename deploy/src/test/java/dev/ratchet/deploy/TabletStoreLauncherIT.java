package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs three {@code deploy/bin/ratchet tablet-store} processes and three unclaimed {@code ratchet
 * sector-server} processes on the simulated platform, forms a cluster with {@code ratchet raft
 * bootstrap} (which claims the sector servers), and reads it back with {@code ratchet raft members}.
 */
class TabletStoreLauncherIT {
    @RegisterExtension
    final LauncherProcesses processes = new LauncherProcesses();

    @Test
    void threeNodes_bootstrap_thenMembersListsThemAndALeader() throws Exception {
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            peers.add(processes.startTabletStore("node-" + i).peer());
        }
        List<String> sectors = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // Unclaimed: bootstrap installs the new authority key.
            sectors.add(processes.startSectorServer("sector-" + i, 1024));
        }

        List<String> bootstrap = new ArrayList<>(List.of("raft", "bootstrap"));
        peers.forEach(peer -> bootstrap.addAll(List.of("--peer", peer)));
        bootstrap.addAll(List.of("--geometry", "2+1", "--tablets", "8", "--stripes", "1024"));
        sectors.forEach(sector -> bootstrap.addAll(List.of("--sector", sector)));
        bootstrap.addAll(processes.simulated());
        String bootstrapped = processes.run("bootstrap", bootstrap);
        assertTrue(bootstrapped.startsWith("bootstrapped 3 members\n"), bootstrapped);
        for (String peer : peers) {
            assertTrue(bootstrapped.contains("member " + peer + "\n"), bootstrapped);
        }
        for (int i = 0; i < 3; i++) {
            assertTrue(bootstrapped.contains("sector " + sectors.get(i) + " claimed slot=" + i + "\n"), bootstrapped);
        }

        List<String> members = new ArrayList<>(List.of("raft", "members", "--via", peers.get(0)));
        members.addAll(processes.simulated());
        String listed = processes.run("members", members);
        List<String> memberLines =
                listed.lines().filter(l -> l.startsWith("member ")).sorted().toList();
        assertEquals(peers.stream().map(p -> "member " + p).sorted().toList(), memberLines, listed);
        String leader = listed.lines()
                .filter(l -> l.startsWith("leader "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no leader line:\n" + listed))
                .substring("leader ".length());
        assertTrue(peers.stream().anyMatch(p -> p.startsWith(leader + "@")), listed);

        for (Process process : processes.processes()) {
            LauncherProcesses.stop(process);
        }
        try (var left = Files.list(processes.ramRoot())) {
            // Only the nodes' sweep lock may stay; every incarnation directory must be gone.
            assertEquals(List.of(), left.filter(Files::isDirectory).toList(), "incarnations left on the RAM root");
        }
    }
}
