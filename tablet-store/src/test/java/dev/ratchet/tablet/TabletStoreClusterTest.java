package dev.ratchet.tablet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.raft.RequestRefusedException;
import dev.ratchet.tablet.proto.ArrayQuery;
import dev.ratchet.tablet.proto.BootstrapResult;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.CommitTablets;
import dev.ratchet.tablet.proto.CommitTabletsResult;
import dev.ratchet.tablet.proto.DeregisterCacheNode;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.QueryResult;
import dev.ratchet.tablet.proto.RegisterCacheNode;
import dev.ratchet.tablet.proto.ReleaseStripes;
import dev.ratchet.tablet.proto.Reservation;
import dev.ratchet.tablet.proto.ReserveStripes;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.SlotAssignment;
import dev.ratchet.tablet.proto.TabletCommit;
import dev.ratchet.tablet.proto.TabletForKey;
import dev.ratchet.tablet.proto.TabletMeta;
import dev.ratchet.tablet.proto.UpdatePolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tablet store over a real 3-node Raft group on loopback with attested TLS: an operator tool
 * bootstraps it, and a cache node registers itself and commits as itself.
 */
@Timeout(180)
class TabletStoreClusterTest {
    private static final ByteString KEY = ByteString.copyFromUtf8("user/42");

    private final Proposals proposals = new Proposals();
    private TabletTestCluster cluster;
    private TabletStoreClient operator;
    private TabletStoreClient client;
    private String cacheNode;

    @BeforeEach
    void bootstrap() throws IOException {
        cluster = new TabletTestCluster().form(3);
        operator = cluster.operator();
        NodeIdentity cache = cluster.ca.identity(Role.CACHE);
        cacheNode = cache.nodeId();
        client = cluster.client(cache);
        List<SlotAssignment> slots = new ArrayList<>();
        for (int i = 0; i < Fixtures.K + Fixtures.M; i++) {
            slots.add(SlotAssignment.newBuilder()
                    .setNodeId(Fixtures.sectorId(i))
                    .setAddress("sector-" + i + ":7000")
                    .build());
        }
        Result bootstrapped = operator.submit(proposals.bootstrap(
                4, Fixtures.K, Fixtures.M, 1024, slots, Fixtures.cachePolicy(Fixtures.CACHE_MEASUREMENT)));
        assertEquals(BootstrapResult.Status.OK, bootstrapped.getBootstrap().getStatus(), bootstrapped.toString());
        Result registered = client.submit(proposals
                .command()
                .setRegisterCacheNode(RegisterCacheNode.newBuilder()
                        .setNodeId(cacheNode)
                        .setMeasurementHex(Fixtures.CACHE_MEASUREMENT))
                .build());
        assertEquals("OK", registered.getRegisterCacheNode().getStatus().name(), registered.toString());
    }

    @AfterEach
    void close() throws IOException {
        try {
            client.close();
            operator.close();
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

    @Test
    void aCacheActingForAnotherCache_isRefusedAsCacheNodeIdMismatch_whileHonestCachesKeepWorking() throws Exception {
        NodeIdentity otherCache = cluster.ca.identity(Role.CACHE);
        String other = otherCache.nodeId();
        try (TabletStoreClient otherClient = cluster.client(otherCache)) {
            assertOk(otherClient.submit(register(other)));
            List<Long> othersStripes = reserve(otherClient, other, 2);

            // The first cache tries to spend, release and revoke the other's: each refused, by code.
            Command release = proposals
                    .command()
                    .setReleaseStripes(
                            ReleaseStripes.newBuilder().setCacheNodeId(other).addAllStripes(othersStripes))
                    .build();
            RequestRefusedException refused = assertThrows(RequestRefusedException.class, () -> client.submit(release));
            assertEquals(TabletStoreClient.CACHE_NODE_ID_MISMATCH, refused.code());
            assertTrue(refused.detail().contains(other) && refused.detail().contains(cacheNode), refused::detail);
            CompletionException async = assertThrows(
                    CompletionException.class,
                    () -> client.submitAsync(reserveCommand(other, 1)).join());
            assertEquals(TabletStoreClient.CACHE_NODE_ID_MISMATCH, ((RequestRefusedException) async.getCause()).code());
            Command deregister = proposals
                    .command()
                    .setDeregisterCacheNode(DeregisterCacheNode.newBuilder().setNodeId(other))
                    .build();
            assertEquals(
                    TabletStoreClient.CACHE_NODE_ID_MISMATCH,
                    assertThrows(RequestRefusedException.class, () -> client.submit(deregister))
                            .code());
            Command widenPolicy = proposals
                    .command()
                    .setUpdatePolicy(UpdatePolicy.newBuilder()
                            .setExpectedPolicyVersion(1)
                            .setPolicy(Fixtures.cachePolicy(Fixtures.CACHE_MEASUREMENT, "bb".repeat(48))))
                    .build();
            assertEquals(
                    TabletStoreClient.ROLE_NOT_ALLOWED,
                    assertThrows(RequestRefusedException.class, () -> client.submit(widenPolicy))
                            .code());

            // Both caches keep working, on the same clients, and nothing of the other's moved.
            assertEquals(
                    CommitTabletsResult.Status.OK,
                    commit(tabletForKey().getTabletId(), 0).getCommitTablets().getStatus());
            List<Long> more = reserve(otherClient, other, 1);
            assertEquals(
                    List.of(othersStripes.get(0), othersStripes.get(1), more.get(0)),
                    reservedBy(other),
                    "the other cache's reservations");

            // An operator tool may act for a cache that cannot: it deregisters the other one.
            assertOk(operator.submit(deregister));
        }
        long counted = cluster.nodes.stream()
                .mapToLong(n -> n.refusalCounts().getOrDefault(TabletStoreClient.CACHE_NODE_ID_MISMATCH, 0L))
                .sum();
        assertTrue(counted >= 3, () -> "refusals counted: " + counted);
        assertTrue(cluster.deaths.isEmpty(), cluster.deaths.toString());
    }

    private Command register(String nodeId) {
        return proposals
                .command()
                .setRegisterCacheNode(
                        RegisterCacheNode.newBuilder().setNodeId(nodeId).setMeasurementHex(Fixtures.CACHE_MEASUREMENT))
                .build();
    }

    private Command reserveCommand(String nodeId, int stripes) {
        return proposals
                .command()
                .setReserveStripes(
                        ReserveStripes.newBuilder().setCacheNodeId(nodeId).setStripeCount(stripes))
                .build();
    }

    private List<Long> reserve(TabletStoreClient as, String nodeId, int stripes) throws IOException {
        Result reserved = as.submit(reserveCommand(nodeId, stripes));
        assertOk(reserved);
        return reserved.getReserveStripes().getStripesList();
    }

    private List<Long> reservedBy(String nodeId) throws IOException {
        QueryResult array = operator.query(
                Query.newBuilder().setArray(ArrayQuery.getDefaultInstance()).build());
        return array.getArray().getReservationsList().stream()
                .filter(r -> r.getCacheNodeId().equals(nodeId))
                .findFirst()
                .map(Reservation::getStripesList)
                .orElse(List.of());
    }

    private static void assertOk(Result result) {
        assertTrue(!result.hasRejection() && result.toString().contains("status: OK"), result::toString);
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
                        ReserveStripes.newBuilder().setCacheNodeId(cacheNode).setStripeCount(1))
                .build());
        List<Long> stripes = reserved.getReserveStripes().getStripesList();
        assertEquals(1, stripes.size(), reserved.toString());
        return proposals
                .command()
                .setCommitTablets(CommitTablets.newBuilder()
                        .setCacheNodeId(cacheNode)
                        .addCommits(TabletCommit.newBuilder()
                                .setTabletId(tabletId)
                                .setExpectedVersion(expectedVersion)
                                .setBlob(Fixtures.blob(stripes, 1))))
                .build();
    }
}
