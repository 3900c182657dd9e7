package dev.ratchet.raft;

import static dev.ratchet.raft.KeyValueApplication.put;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node whose log fails dies loudly: it stops its server, deletes its directory and calls its
 * death listener with a message an operator can act on. Shown both by Ratis's log-failure event
 * and by a real, size-capped tmpfs filling up.
 */
class NodeDeathTest {
    private RaftTestCluster cluster;
    private Path mountPoint;

    @AfterEach
    void close() throws IOException, InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
        if (mountPoint != null) {
            // Lazy: the dead log worker may still hold its segment open until it is collected.
            run("umount", "-l", mountPoint.toString());
            Files.deleteIfExists(mountPoint);
        }
    }

    @Test
    void failedLogKillsTheNode() throws IOException {
        cluster = new RaftTestCluster().bootstrap(1);
        RaftNode node = cluster.nodes.get(0);
        Path directory = node.directory();
        node.stateMachine().notifyLogFailed(new IOException("No space left on device"), null);

        Await.until(RaftTestCluster.WAIT, "the death listener", () -> cluster.deaths.containsKey(node.nodeId()));
        String reason = cluster.deaths.get(node.nodeId());
        assertTrue(reason.contains("the Raft log failed"), reason);
        assertTrue(reason.contains("replace it with a fresh node"), reason);
        assertTrue(node.isDead());
        Await.until(RaftTestCluster.WAIT, "the directory to be deleted", () -> !Files.exists(directory));
    }

    @Test
    void fullRamFilesystemKillsTheNode() throws IOException, InterruptedException {
        Path mount = Files.createTempDirectory("ratchet-full-tmpfs-");
        boolean mounted = run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount.toString());
        if (!mounted) {
            Files.delete(mount);
        }
        assumeTrue(mounted, "needs permission to mount a size-capped tmpfs (root in CI)");
        mountPoint = mount;
        cluster = new RaftTestCluster(mount.resolve("root"));
        cluster.snapshotEveryEntries = 1_000_000; // no purge: the log only grows
        cluster.bootstrap(1);
        RaftNode node = cluster.nodes.get(0);
        byte[] value = new byte[4096];
        try (RaftGroupClient client = cluster.impatientClient()) {
            for (int i = 0; i < 200 && !cluster.deaths.containsKey(node.nodeId()); i++) {
                try {
                    client.submit(put("k" + i, new String(value, StandardCharsets.ISO_8859_1)));
                } catch (IOException e) {
                    break; // the node died under the client
                }
            }
        }
        Await.until(
                RaftTestCluster.WAIT,
                "the node to die of a full RAM filesystem",
                () -> cluster.deaths.containsKey(node.nodeId()));
        assertTrue(cluster.deaths.get(node.nodeId()).contains("the Raft log failed"));
        assertFalse(node.division().isPresent());
    }

    private static boolean run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return false;
        }
        return process.exitValue() == 0;
    }
}
