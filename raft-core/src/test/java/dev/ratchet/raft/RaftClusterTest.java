package dev.ratchet.raft;

import static dev.ratchet.raft.KeyValueApplication.get;
import static dev.ratchet.raft.KeyValueApplication.put;
import static dev.ratchet.raft.KeyValueApplication.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.simulated.CodeMeasurement;
import dev.ratchet.attestation.simulated.SimulatedProvider;
import dev.ratchet.raft.AttestedRaftChannels.RaftPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.ratis.protocol.RaftPeer;
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
 * the wrong role, and its replicas' chain heads agree after all that churn; nodes join and leave,
 * and a replica whose chain diverges stops.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RaftClusterTest {
    private static final Duration WAIT = RaftTestCluster.WAIT;

    // Values big enough that the log rolls its 16 KiB segments within a few hundred entries.
    private static final String PADDING = "-".repeat(200);

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
    @Order(2)
    void leadershipMovesToTheMemberTheOperatorNames_andNothingIsLost() throws IOException {
        String expected = "2";
        for (int round = 0; round < 3; round++) {
            String before = client.leader();
            String target = cluster.liveMembers().stream()
                    .map(RaftNode::nodeId)
                    .filter(id -> !id.equals(before))
                    .findFirst()
                    .orElseThrow();
            cluster.admin.transferLeadership(target, Duration.ofSeconds(20));
            Await.until(
                    WAIT,
                    "the named member leads",
                    () -> cluster.leader().map(n -> n.nodeId().equals(target)).orElse(false));
            assertEquals(expected, string(client.query(get("a"))), "the new leader serves what was committed");
            expected = "moved-" + round;
            client.submit(put("a", expected));
        }
        IOException refused = assertThrows(
                IOException.class, () -> cluster.admin.transferLeadership("0".repeat(64), Duration.ofSeconds(5)));
        assertTrue(refused.getMessage().contains("not a member"), refused.getMessage());
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
            assertEquals(
                    "v" + i + PADDING, string(client.query(get("k" + i))), "k" + i + " survived the leader's death");
        }
        assertEquals("", string(client.submit(put("after-failover", "1"))));
    }

    @Test
    @Order(4)
    void freshNodeReplacesTheDeadLeaderAndCatchesUpFromAnInMemorySnapshot() throws IOException {
        String dead = deadMember();
        // Enough to roll several 16 KiB segments and snapshot every 40 entries, so the log is purged.
        writeKeys(150);
        RaftNode leader = cluster.node(client.leader());
        Await.until(
                WAIT,
                "the leader to purge its log",
                () -> leader.division()
                        .map(d -> d.getRaftLog().getStartIndex() > 1)
                        .orElse(false));

        RaftNode fresh = cluster.startNode();
        cluster.admin.replace(dead, fresh.peer());

        assertEquals(3, cluster.admin.refresh().size());
        assertFalse(RaftTestCluster.ids(cluster.admin.members()).contains(dead));
        Await.until(
                WAIT,
                "the fresh node to hold every key",
                () -> cluster.application(fresh)
                        .contents()
                        .equals(cluster.application(leader).contents()));
        assertTrue(fresh.stateMachine().snapshotsInstalled() > 0, "it caught up from the leader's snapshot");
        assertEquals(Map.of(), cluster.deaths);
    }

    @Test
    @Order(5)
    void aClientReadsTheMembershipAfterAReplace_andAClientOfTheNewMembersServes() throws IOException {
        List<RaftPeer> members = client.members();

        assertEquals(
                Set.copyOf(RaftTestCluster.ids(cluster.admin.members())), Set.copyOf(RaftTestCluster.ids(members)));
        for (RaftPeer member : members) {
            assertFalse(
                    member.getClientAddress() == null
                            || member.getClientAddress().isEmpty(),
                    member.toString());
        }
        try (RaftGroupClient followed = client.withPeers(members)) {
            assertEquals(Set.copyOf(RaftTestCluster.ids(members)), Set.copyOf(RaftTestCluster.ids(followed.peers())));
            assertEquals("", string(followed.submit(put("via-the-new-membership", "1"))));
            assertEquals("1", string(followed.query(get("via-the-new-membership"))));
        }
    }

    @Test
    @Order(5)
    void nodeRestartedOnItsOldDirectoryCannotRejoin() throws IOException {
        String leaderId = client.leader();
        RaftNode follower = cluster.liveMembers().stream()
                .filter(n -> !n.nodeId().equals(leaderId))
                .findFirst()
                .orElseThrow();
        NodeIdentity oldIdentity = cluster.applicationsIdentity(follower);
        Path oldDirectory = follower.crashKeepingDirectoryForTest();
        assertTrue(Files.exists(oldDirectory.resolve("ratis")), "the crash left the old log behind");
        // The old identity cannot be reused: its private key was never written anywhere.
        assertFalse(RaftTestCluster.anyFileContains(
                oldDirectory, oldIdentity.privateKey().getEncoded()));
        writeKeys(5); // two of three members still commit

        // A new process on the same RAM root is a new node: it deletes the old directory unread.
        RaftNode restarted = cluster.startNode();
        assertFalse(Files.exists(oldDirectory), "stale incarnations are deleted at boot");
        assertFalse(restarted.nodeId().equals(follower.nodeId()));
        assertFalse(RaftTestCluster.ids(cluster.admin.refresh()).contains(restarted.nodeId()), "not a member");
        assertTrue(restarted.division().isEmpty(), "it holds no group state");
        assertEquals(Map.of(), cluster.application(restarted).contents());

        // Only a membership change lets the new node in, in the crashed one's place.
        cluster.admin.replace(follower.nodeId(), restarted.peer());
        RaftNode leader = cluster.node(client.leader());
        Await.until(
                WAIT,
                "the replacement to catch up",
                () -> cluster.application(restarted)
                        .contents()
                        .equals(cluster.application(leader).contents()));
    }

    @Test
    @Order(6)
    void chainHeadsAgreeAfterChurn() throws IOException {
        writeKeys(10);
        List<RaftNode> members = cluster.liveMembers();
        assertEquals(3, members.size());
        Map<String, Long> agreedBefore = new HashMap<>();
        members.forEach(n -> agreedBefore.put(n.nodeId(), n.checkpointsAgreed()));
        Await.until(
                WAIT,
                "every member to check a new checkpoint",
                () -> members.stream().allMatch(n -> n.checkpointsAgreed() > agreedBefore.get(n.nodeId())));
        Await.until(
                WAIT,
                "identical chain heads on every member",
                () -> members.stream().map(RaftNode::chainHead).distinct().count() == 1);
        assertEquals(Map.of(), cluster.deaths);
    }

    @Test
    @Order(7)
    void nodeWithAnUnknownMeasurementIsRefused() throws IOException {
        byte[] otherCode = new byte[48];
        Arrays.fill(otherCode, (byte) 7);
        NodeIdentity unknown = identity(Role.TABLET_STORE, CodeMeasurement.ofCodeDigest(otherCode));
        RaftNode stranger = cluster.startNode(unknown);
        List<String> before = RaftTestCluster.ids(cluster.admin.refresh());

        assertThrows(IOException.class, () -> cluster.admin.join(stranger.peer()));
        assertTrue(cluster.admin.channels().outbound(RaftPort.ADMIN).refusalCount(Refusal.MEASUREMENT) > 0);
        assertEquals(before, RaftTestCluster.ids(cluster.admin.refresh()), "membership unchanged");
        assertTrue(stranger.division().isEmpty());
    }

    @Test
    @Order(8)
    void wrongRoleIdentitiesAreRefused() throws IOException {
        // A cache identity cannot run a Raft node at all...
        assertThrows(IllegalArgumentException.class, () -> cluster.startNode(cluster.ca.identity(Role.CACHE)));
        // ...nor administer the group: members refuse it on their admin ports.
        RaftAdmin cacheAsAdmin = new RaftAdmin(
                cluster.ca.identity(Role.CACHE),
                cluster.verifier,
                Clock.systemUTC(),
                cluster.groupId,
                cluster.admin.members());
        assertThrows(IOException.class, cacheAsAdmin::refresh);
        Await.until(
                WAIT,
                "a WRONG_ROLE refusal on an admin port",
                () -> cluster.liveMembers().stream()
                                .mapToLong(n ->
                                        n.channels().inbound(RaftPort.ADMIN).refusalCount(Refusal.WRONG_ROLE))
                                .sum()
                        > 0);
        assertEquals(3, cluster.admin.refresh().size());
    }

    @Test
    @Order(9)
    void joinAddsAFreshNodeAndRemoveTakesItOut() throws IOException {
        RaftNode joiner = cluster.startNode();
        cluster.admin.join(joiner.peer());
        assertEquals(4, cluster.admin.refresh().size());
        RaftNode leader = cluster.node(client.leader());
        Await.until(
                WAIT,
                "the joiner to catch up",
                () -> cluster.application(joiner)
                        .contents()
                        .equals(cluster.application(leader).contents()));

        cluster.admin.remove(joiner.nodeId());
        assertFalse(RaftTestCluster.ids(cluster.admin.refresh()).contains(joiner.nodeId()));
        // The removed node's access follows the configuration: members stop trusting it.
        Await.until(
                WAIT,
                "members to drop the removed node from their books",
                () -> cluster.liveMembers().stream()
                        .filter(n -> !n.nodeId().equals(joiner.nodeId()))
                        .noneMatch(n -> n.trusts(joiner.nodeId())));
        assertEquals("", string(client.submit(put("after-removal", "1"))));
        // Told by the members that it is no longer one of them, the removed node dies for good.
        Await.until(WAIT, "the removed node to die", () -> cluster.deaths.containsKey(joiner.nodeId()));
        assertTrue(cluster.deaths.get(joiner.nodeId()).contains("replace it with a fresh node"));
    }

    @Test
    @Order(10)
    void replicaWhoseChainDivergesStopsLoudlyAndTheGroupGoesOn() throws IOException {
        String leaderId = client.leader();
        RaftNode victim = cluster.liveMembers().stream()
                .filter(n -> !n.nodeId().equals(leaderId))
                .findFirst()
                .orElseThrow();
        victim.stateMachine().corruptChainForTest();
        writeKeys(3);

        Await.until(WAIT, "the diverged replica to die", () -> cluster.deaths.containsKey(victim.nodeId()));
        String reason = cluster.deaths.get(victim.nodeId());
        assertTrue(reason.contains("LOG INTEGRITY VIOLATION"), reason);
        assertTrue(reason.contains("stops rather than diverge"), reason);
        assertTrue(victim.isDead());
        assertEquals("", string(client.submit(put("after-divergence", "1"))), "the other two still commit");
    }

    private NodeIdentity identity(Role role, CodeMeasurement measurement) {
        try {
            return NodeIdentity.generate(
                    role, SimulatedProvider.create(cluster.ca.ca(), measurement, Clock.systemUTC()), Clock.systemUTC());
        } catch (AttestationException e) {
            throw new AssertionError(e);
        }
    }

    // The member that is configured but no longer running.
    private String deadMember() {
        List<String> live = cluster.liveMembers().stream().map(RaftNode::nodeId).toList();
        return RaftTestCluster.ids(cluster.admin.members()).stream()
                .filter(id -> !live.contains(id))
                .findFirst()
                .orElseThrow();
    }

    private void writeKeys(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            client.submit(put("k" + written, "v" + written + PADDING));
            written++;
        }
    }
}
