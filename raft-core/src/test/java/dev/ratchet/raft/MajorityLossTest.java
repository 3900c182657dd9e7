package dev.ratchet.raft;

import static dev.ratchet.raft.KeyValueApplication.get;
import static dev.ratchet.raft.KeyValueApplication.put;
import static dev.ratchet.raft.KeyValueApplication.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A five-node group survives its leader's death with nothing committed lost, and once a majority
 * is dead it refuses service with a message saying the group is gone, while the surviving minority
 * commits nothing.
 */
class MajorityLossTest {
    private RaftTestCluster cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void fiveNodesSurviveALeaderAndRefuseServiceWithoutAMajority() throws IOException {
        cluster = new RaftTestCluster().bootstrap(5);
        try (RaftGroupClient client = cluster.client()) {
            for (int i = 0; i < 10; i++) {
                client.submit(put("k" + i, "v" + i));
            }
            RaftNode oldLeader = cluster.node(client.leader());
            oldLeader.close();
            assertFalse(client.leader().equals(oldLeader.nodeId()));
            for (int i = 0; i < 10; i++) {
                assertEquals("v" + i, string(client.query(get("k" + i))));
            }
            client.submit(put("after-failover", "1"));
            // The operator removes the dead leader: four members, of which three make a majority.
            cluster.admin.remove(oldLeader.nodeId());
            assertEquals(4, cluster.admin.refresh().size());

            // Two more die: two of four members are left, short of a majority of three.
            List<RaftNode> live = cluster.liveMembers();
            assertEquals(4, live.size());
            // Followers learn the commit index one heartbeat late; let every survivor catch up so
            // that what the minority holds afterwards can only change by committing something new.
            Await.until(
                    Duration.ofSeconds(30),
                    "the four members to agree on the commit index",
                    () -> live.stream()
                                            .mapToLong(MajorityLossTest::committedIndex)
                                            .distinct()
                                            .count()
                                    == 1
                            && live.stream()
                                            .mapToLong(n -> n.division()
                                                    .orElseThrow()
                                                    .getInfo()
                                                    .getLastAppliedIndex())
                                            .min()
                                            .getAsLong()
                                    >= committedIndex(live.get(0)));
            live.get(0).close();
            live.get(1).close();
            List<RaftNode> minority = List.of(live.get(2), live.get(3));
            Map<String, Long> committedBefore = new HashMap<>();
            Map<String, Map<String, String>> stateBefore = new HashMap<>();
            for (RaftNode node : minority) {
                committedBefore.put(node.nodeId(), committedIndex(node));
                stateBefore.put(node.nodeId(), cluster.application(node).contents());
            }

            try (RaftGroupClient impatient = cluster.impatientClient()) {
                RaftUnavailableException write =
                        assertThrows(RaftUnavailableException.class, () -> impatient.submit(put("lost", "x")));
                assertEquals(RaftUnavailableException.Outcome.UNKNOWN, write.outcome());
                assertTrue(write.getMessage().contains("lost its majority"), write.getMessage());
                assertTrue(write.getMessage().contains("start a new cluster"), write.getMessage());
                RaftUnavailableException read =
                        assertThrows(RaftUnavailableException.class, () -> impatient.query(get("k1")));
                assertEquals(RaftUnavailableException.Outcome.NOT_APPLIED, read.outcome());
            }

            for (RaftNode node : minority) {
                assertEquals(
                        committedBefore.get(node.nodeId()), committedIndex(node), "the minority committed nothing");
                assertEquals(
                        stateBefore.get(node.nodeId()),
                        cluster.application(node).contents());
                // A surviving leader may still believe it leads until its step-down timeout, but
                // without a majority it commits nothing and its ReadIndex reads fail (above).
                assertEquals(null, cluster.application(node).contents().get("lost"));
            }
        }
    }

    private static long committedIndex(RaftNode node) {
        return node.division().orElseThrow().getRaftLog().getLastCommittedIndex();
    }
}
