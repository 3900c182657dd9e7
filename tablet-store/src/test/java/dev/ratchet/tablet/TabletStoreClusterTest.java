package dev.ratchet.tablet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.tablet.proto.BootstrapResult;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.CommitTablets;
import dev.ratchet.tablet.proto.CommitTabletsResult;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.QueryResult;
import dev.ratchet.tablet.proto.RegisterCacheNode;
import dev.ratchet.tablet.proto.ReserveStripes;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.SlotAssignment;
import dev.ratchet.tablet.proto.TabletCommit;
import dev.ratchet.tablet.proto.TabletForKey;
import dev.ratchet.tablet.proto.TabletMeta;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The tablet store over a real 3-node Raft group on loopback with attested TLS. */
@Timeout(180)
class TabletStoreClusterTest {
    private static final String CACHE_NODE = Fixtures.nodeId("cache-a");
    private static final ByteString KEY = ByteString.copyFromUtf8("user/42");

    private final Proposals proposals = new Proposals();
    private TabletTestCluster cluster;
    private TabletStoreClient client;

    @BeforeEach
    void bootstrap() throws IOException {
        cluster = new TabletTestCluster().form(3);
        client = cluster.client();
        List<SlotAssignment> slots = new ArrayList<>();
        for (int i = 0; i < Fixtures.K + Fixtures.M; i++) {
            slots.add(SlotAssignment.newBuilder()
                    .setNodeId(Fixtures.sectorId(i))
                    .setAddress("sector-" + i + ":7000")
                    .build());
        }
        Result bootstrapped = client.submit(proposals.bootstrap(
                4, Fixtures.K, Fixtures.M, 1024, slots, Fixtures.cachePolicy(Fixtures.CACHE_MEASUREMENT)));
        assertEquals(BootstrapResult.Status.OK, bootstrapped.getBootstrap().getStatus(), bootstrapped.toString());
        Result registered = client.submit(proposals
                .command()
                .setRegisterCacheNode(RegisterCacheNode.newBuilder()
                        .setNodeId(CACHE_NODE)
                        .setMeasurementHex(Fixtures.CACHE_MEASUREMENT))
                .build());
        assertEquals("OK", registered.getRegisterCacheNode().getStatus().name(), registered.toString());
    }

    @AfterEach
    void close() throws IOException {
        try {
            client.close();
        } finally {
            cluster.close();
        }
    }

    @Test
    void compareAndCommit_movesTabletToV1_andRefusesAStaleCommit() throws IOException {
        TabletMeta before = tabletForKey();
        assertEquals(0, before.getVersion());

        CommitTabletsResult committed = commit(before.getTabletId(), 0).getCommitTablets();
        assertEquals(CommitTabletsResult.Status.OK, committed.getStatus(), committed.toString());
        assertEquals(1, committed.getTablets(0).getVersion());
        assertEquals(1, tabletForKey().getVersion());

        CommitTabletsResult stale = commit(before.getTabletId(), 0).getCommitTablets();
        assertEquals(CommitTabletsResult.Status.VERSION_CONFLICT, stale.getStatus(), stale.toString());
        assertEquals(1, stale.getTablets(0).getVersion());
        assertTrue(cluster.deaths.isEmpty(), cluster.deaths.toString());
    }

    @Test
    void killingTheLeader_keepsTheCommittedVersion_andNewCommitsWork() throws IOException {
        long tabletId = tabletForKey().getTabletId();
        assertEquals(
                CommitTabletsResult.Status.OK,
                commit(tabletId, 0).getCommitTablets().getStatus());

        String oldLeader = client.leader();
        cluster.node(oldLeader).close();
        TabletTestCluster.awaitUntil("a new leader", () -> !oldLeader.equals(leaderQuietly()));

        assertEquals(1, tabletForKey().getVersion());
        CommitTabletsResult next = commit(tabletId, 1).getCommitTablets();
        assertEquals(CommitTabletsResult.Status.OK, next.getStatus(), next.toString());
        assertEquals(2, tabletForKey().getVersion());
    }

    @Test
    void sameRequestIdTwice_asyncThenBlocking_isAppliedOnce_andTheSecondIsReplayed() throws IOException {
        long tabletId = tabletForKey().getTabletId();
        Command command = commitCommand(tabletId, 0);

        Result first = client.submitAsync(command).join();
        Result second = client.submit(command);

        assertEquals(CommitTabletsResult.Status.OK, first.getCommitTablets().getStatus(), first.toString());
        assertFalse(first.getReplayed());
        assertTrue(second.getReplayed(), second.toString());
        assertEquals(first.getCommitTablets(), second.getCommitTablets());
        assertEquals(1, tabletForKey().getVersion(), "applied once");
    }

    @Test
    void replicas_replayToByteIdenticalSnapshots() throws IOException {
        long tabletId = tabletForKey().getTabletId();
        // Past snapshotEveryEntries (40), so replicas also snapshot and purge on the way.
        for (long version = 0; version < 25; version++) {
            assertEquals(
                    CommitTabletsResult.Status.OK,
                    commit(tabletId, version).getCommitTablets().getStatus());
        }
        byte[] leader = cluster.node(client.leader()).snapshotForTest();

        TabletTestCluster.awaitUntil(
                "every replica's snapshot to equal the leader's",
                () -> cluster.nodes.stream().allMatch(n -> Arrays.equals(leader, n.snapshotForTest())));
        for (TabletStoreNode node : cluster.nodes) {
            assertArrayEquals(leader, node.snapshotForTest(), node.nodeId());
        }
        assertEquals(
                25,
                TabletStateMachine.restore(leader)
                        .query(forKey())
                        .getTablets()
                        .getTablets(0)
                        .getVersion());
    }

    @Test
    void malformedCommandBytes_getAMalformedRejection_andTheGroupGoesOn() throws IOException {
        TabletApplication application = new TabletApplication(reason -> {
            throw new AssertionError("fail-stop on malformed input: " + reason);
        });
        Result result = Result.parseFrom(application.apply(new byte[] {(byte) 0xff, 1, 2}));
        assertEquals("MALFORMED", result.getRejection().getReason().name(), result.toString());

        long tabletId = tabletForKey().getTabletId();
        assertEquals(
                CommitTabletsResult.Status.OK,
                commit(tabletId, 0).getCommitTablets().getStatus());
    }

    private String leaderQuietly() {
        try {
            return client.leader();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TabletMeta tabletForKey() throws IOException {
        QueryResult answer = client.query(forKey());
        assertEquals(QueryResult.Status.OK, answer.getStatus(), answer.toString());
        return answer.getTablets().getTablets(0);
    }

    private static Query forKey() {
        return Query.newBuilder()
                .setTabletForKey(TabletForKey.newBuilder().setKey(KEY))
                .build();
    }

    private Result commit(long tabletId, long expectedVersion) throws IOException {
        return client.submit(commitCommand(tabletId, expectedVersion));
    }

    /** Reserves one stripe, then returns a commit of a one-stripe blob in it. */
    private Command commitCommand(long tabletId, long expectedVersion) throws IOException {
        Result reserved = client.submit(proposals
                .command()
                .setReserveStripes(
                        ReserveStripes.newBuilder().setCacheNodeId(CACHE_NODE).setStripeCount(1))
                .build());
        List<Long> stripes = reserved.getReserveStripes().getStripesList();
        assertEquals(1, stripes.size(), reserved.toString());
        return proposals
                .command()
                .setCommitTablets(CommitTablets.newBuilder()
                        .setCacheNodeId(CACHE_NODE)
                        .addCommits(TabletCommit.newBuilder()
                                .setTabletId(tabletId)
                                .setExpectedVersion(expectedVersion)
                                .setBlob(Fixtures.blob(stripes, 1))))
                .build();
    }
}
