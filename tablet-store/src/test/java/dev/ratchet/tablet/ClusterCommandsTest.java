package dev.ratchet.tablet;

import static dev.ratchet.tablet.Fixtures.CACHE_MEASUREMENT;
import static dev.ratchet.tablet.Fixtures.bootstrap;
import static dev.ratchet.tablet.Fixtures.cachePolicy;
import static dev.ratchet.tablet.Fixtures.key;
import static dev.ratchet.tablet.Fixtures.nodeId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.tablet.proto.ArrayQuery;
import dev.ratchet.tablet.proto.AuthorizedWriterSet;
import dev.ratchet.tablet.proto.AuthorizedWritersQuery;
import dev.ratchet.tablet.proto.Bootstrap;
import dev.ratchet.tablet.proto.BootstrapResult;
import dev.ratchet.tablet.proto.CacheNodeHeartbeat;
import dev.ratchet.tablet.proto.CacheNodeHeartbeatResult;
import dev.ratchet.tablet.proto.ClusterQuery;
import dev.ratchet.tablet.proto.CommitTablets;
import dev.ratchet.tablet.proto.DataKeysQuery;
import dev.ratchet.tablet.proto.DeregisterCacheNode;
import dev.ratchet.tablet.proto.DeregisterCacheNodeResult;
import dev.ratchet.tablet.proto.Policy;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.QueryResult;
import dev.ratchet.tablet.proto.RegisterCacheNode;
import dev.ratchet.tablet.proto.RegisterCacheNodeResult;
import dev.ratchet.tablet.proto.RoleMeasurements;
import dev.ratchet.tablet.proto.RotateDataKey;
import dev.ratchet.tablet.proto.RotateDataKeyResult;
import dev.ratchet.tablet.proto.SignedWriterSet;
import dev.ratchet.tablet.proto.TabletCommit;
import dev.ratchet.tablet.proto.UpdatePolicy;
import dev.ratchet.tablet.proto.UpdatePolicyResult;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bootstrap, data keys, cache-node registration, the policy and the signed writer set. */
class ClusterCommandsTest {
    private static final String CACHE_A = nodeId("cache-a");
    private static final String CACHE_B = nodeId("cache-b");
    private static final String OTHER_MEASUREMENT = "bb".repeat(48);

    private final Fixtures fixtures = new Fixtures();

    @Test
    void bootstrap_isAcceptedOnce() {
        TabletStateMachine machine = fixtures.bootstrapped(2, 10);
        assertEquals(BootstrapResult.Status.ALREADY_BOOTSTRAPPED, bootstrapStatus(machine, bootstrap(2, 10)));
    }

    @Test
    void bootstrap_invalidInputs_areRefusedAndLeaveMachineEmpty() {
        KeyPair other = Fixtures.generateKeyPair();
        List<Bootstrap.Builder> bad = List.of(
                bootstrap(0, 10),
                bootstrap(Limits.INITIAL_TABLETS_MAX + 1, 10),
                bootstrap(2, 0),
                bootstrap(2, Limits.STRIPE_COUNT_MAX + 1),
                bootstrap(2, 10).setDataShards(0),
                bootstrap(2, 10).setParityShards(61),
                bootstrap(2, 10).removeSlots(0),
                bootstrap(2, 10).setSlots(1, bootstrap(2, 10).getSlots(0)),
                bootstrap(2, 10).setInitialDataKey(ByteString.copyFrom(new byte[32])),
                bootstrap(2, 10).setInitialDataKey(ByteString.copyFrom(new byte[31])),
                bootstrap(2, 10).setAuthorityPrivateKeyPkcs8(ByteString.copyFromUtf8("garbage")),
                bootstrap(2, 10)
                        .setAuthorityPublicKeySpki(
                                ByteString.copyFrom(other.getPublic().getEncoded())),
                bootstrap(2, 10).setPolicy(cachePolicy("ABCD")),
                bootstrap(2, 10)
                        .setPolicy(Policy.newBuilder()
                                .addRoles(RoleMeasurements.newBuilder().setRoleValue(77))));
        for (Bootstrap.Builder command : bad) {
            TabletStateMachine machine = TabletStateMachine.create();
            assertEquals(BootstrapResult.Status.INVALID, bootstrapStatus(machine, command), command.toString());
            assertFalse(machine.failed());
            assertEquals(
                    QueryResult.Status.NOT_BOOTSTRAPPED,
                    machine.query(clusterQuery()).getStatus());
        }
    }

    @Test
    void commandsBeforeBootstrap_areRejected() {
        TabletStateMachine machine = TabletStateMachine.create();
        var result = machine.apply(fixtures.command()
                .setRegisterCacheNode(
                        RegisterCacheNode.newBuilder().setNodeId(CACHE_A).setMeasurementHex(CACHE_MEASUREMENT))
                .build());
        assertEquals("NOT_BOOTSTRAPPED", result.getRejection().getReason().name());
    }

    @Test
    void malformedCommands_areRejectedWithoutThrowing() {
        TabletStateMachine machine = fixtures.bootstrapped(2, 10);
        assertEquals(
                "MALFORMED",
                machine.apply(fixtures.command().build())
                        .getRejection()
                        .getReason()
                        .name());
        var noId = fixtures.command()
                .setRotateDataKey(RotateDataKey.getDefaultInstance())
                .clearRequestId()
                .build();
        assertEquals("MALFORMED", machine.apply(noId).getRejection().getReason().name());
        var longId = fixtures.command()
                .setRotateDataKey(RotateDataKey.getDefaultInstance())
                .setRequestId(ByteString.copyFrom(new byte[Limits.REQUEST_ID_BYTES_MAX + 1]))
                .build();
        assertEquals(
                "MALFORMED", machine.apply(longId).getRejection().getReason().name());
        assertFalse(machine.failed());
    }

    @Test
    void rotateDataKey_advancesEpochAndErasesUnusedKeys() {
        TabletStateMachine machine = fixtures.bootstrapped(2, 10);
        List<Long> stripes = fixtures.reserve(machine, CACHE_A, 1);
        machine.apply(fixtures.command()
                .setCommitTablets(CommitTablets.newBuilder()
                        .setCacheNodeId(CACHE_A)
                        .addCommits(TabletCommit.newBuilder().setTabletId(1).setBlob(Fixtures.blob(stripes, 1))))
                .build());
        RotateDataKeyResult second = rotate(machine, 2, key(2));
        assertEquals(RotateDataKeyResult.Status.OK, second.getStatus());
        assertEquals(List.of(), second.getErasedEpochsList()); // epoch 1 still encrypts tablet 1
        // Epoch 2 is the previous epoch now: kept one rotation for writes encrypted just before.
        assertEquals(List.of(), rotate(machine, 3, key(3)).getErasedEpochsList());
        RotateDataKeyResult fourth = rotate(machine, 4, key(4));
        assertEquals(List.of(2L), fourth.getErasedEpochsList());
        var keys = machine.query(Query.newBuilder()
                        .setDataKeys(DataKeysQuery.getDefaultInstance())
                        .build())
                .getDataKeys();
        assertEquals(4, keys.getCurrentEpoch());
        assertEquals(
                List.of(1L, 3L, 4L),
                keys.getKeysList().stream().map(k -> k.getEpoch()).toList());

        assertEquals(
                RotateDataKeyResult.Status.WRONG_EPOCH,
                rotate(machine, 4, key(5)).getStatus());
        assertEquals(
                RotateDataKeyResult.Status.WRONG_EPOCH,
                rotate(machine, 6, key(5)).getStatus());
        assertEquals(
                RotateDataKeyResult.Status.INVALID,
                rotate(machine, 5, ByteString.copyFrom(new byte[16])).getStatus());
        machine.checkInvariants();
    }

    @Test
    void register_checksMeasurementAndBumpsWriterSetVersion() {
        TabletStateMachine machine = fixtures.bootstrapped(2, 10);
        assertEquals(1, writerSetVersion(machine));
        assertEquals(
                RegisterCacheNodeResult.Status.ALREADY_REGISTERED,
                register(machine, CACHE_A, CACHE_MEASUREMENT).getStatus());
        assertEquals(
                RegisterCacheNodeResult.Status.MEASUREMENT_NOT_ALLOWED,
                register(machine, CACHE_B, OTHER_MEASUREMENT).getStatus());
        assertEquals(
                RegisterCacheNodeResult.Status.INVALID,
                register(machine, "cache-b", CACHE_MEASUREMENT).getStatus());
        RegisterCacheNodeResult ok = register(machine, CACHE_B, CACHE_MEASUREMENT);
        assertEquals(RegisterCacheNodeResult.Status.OK, ok.getStatus());
        assertEquals(2, ok.getWriterSetVersion());

        DeregisterCacheNodeResult gone = machine.apply(fixtures.command()
                        .setDeregisterCacheNode(DeregisterCacheNode.newBuilder().setNodeId(CACHE_B))
                        .build())
                .getDeregisterCacheNode();
        assertEquals(DeregisterCacheNodeResult.Status.OK, gone.getStatus());
        assertEquals(3, gone.getWriterSetVersion());
        DeregisterCacheNodeResult again = machine.apply(fixtures.command()
                        .setDeregisterCacheNode(DeregisterCacheNode.newBuilder().setNodeId(CACHE_B))
                        .build())
                .getDeregisterCacheNode();
        assertEquals(DeregisterCacheNodeResult.Status.UNKNOWN_CACHE_NODE, again.getStatus());
    }

    @Test
    void heartbeats_countPerNode_andExpiryNeedsAStoppedCount() {
        TabletStateMachine machine = fixtures.bootstrapped(2, 10);
        assertEquals(
                RegisterCacheNodeResult.Status.OK,
                register(machine, CACHE_B, CACHE_MEASUREMENT).getStatus());
        var reserved = machine.apply(fixtures.command()
                        .setReserveStripes(dev.ratchet.tablet.proto.ReserveStripes.newBuilder()
                                .setCacheNodeId(CACHE_B)
                                .setStripeCount(3))
                        .build())
                .getReserveStripes();
        assertEquals(3, reserved.getStripesCount());

        assertEquals(1, heartbeat(machine, CACHE_B).getHeartbeats());
        assertEquals(2, heartbeat(machine, CACHE_B).getHeartbeats());
        assertEquals(1, heartbeat(machine, CACHE_A).getHeartbeats());
        assertEquals(
                CacheNodeHeartbeatResult.Status.INVALID,
                heartbeat(machine, "cache-b").getStatus());
        assertEquals(
                CacheNodeHeartbeatResult.Status.UNKNOWN_CACHE_NODE,
                heartbeat(machine, nodeId("stranger")).getStatus());
        long versionBefore = writerSetVersion(machine);

        // A peer that saw one heartbeat and waited: the node logged another since, so it stays.
        DeregisterCacheNodeResult late = expire(machine, CACHE_B, 1);
        assertEquals(DeregisterCacheNodeResult.Status.HEARTBEAT_MOVED, late.getStatus());
        assertEquals(versionBefore, late.getWriterSetVersion());
        assertEquals(versionBefore, writerSetVersion(machine));

        DeregisterCacheNodeResult expired = expire(machine, CACHE_B, 2);
        assertEquals(DeregisterCacheNodeResult.Status.OK, expired.getStatus());
        assertEquals(versionBefore + 1, expired.getWriterSetVersion());
        // Its reservations may hold ciphertext it wrote: pending trim, not free.
        assertTrue(machine.query(Query.newBuilder()
                        .setArray(ArrayQuery.getDefaultInstance())
                        .build())
                .getArray()
                .getPendingTrimStripesList()
                .containsAll(reserved.getStripesList()));
        assertEquals(1, machine.query(clusterQuery()).getCluster().getCacheNodesCount());
        assertEquals(
                CacheNodeHeartbeatResult.Status.UNKNOWN_CACHE_NODE,
                heartbeat(machine, CACHE_B).getStatus());
        assertEquals(
                DeregisterCacheNodeResult.Status.UNKNOWN_CACHE_NODE,
                expire(machine, CACHE_B, 2).getStatus());
    }

    @Test
    void theClock_ticksOnANodesSecondHeartbeatSinceTheLastTick_howeverManyNodesBeat() {
        TabletStateMachine machine = fixtures.bootstrapped(2, 10);
        register(machine, CACHE_B, CACHE_MEASUREMENT);
        assertEquals(0, clock(machine));
        // One round of both nodes: no node has beaten twice yet.
        assertEquals(0, heartbeat(machine, CACHE_A).getClockTicks());
        assertEquals(0, heartbeat(machine, CACHE_B).getClockTicks());
        // A's second heartbeat: one interval passed.
        assertEquals(1, heartbeat(machine, CACHE_A).getClockTicks());
        assertEquals(1, heartbeat(machine, CACHE_B).getClockTicks());
        assertEquals(2, heartbeat(machine, CACHE_B).getClockTicks());
        // Ten rounds of two nodes tick about ten times, as one node's ten heartbeats would.
        for (int round = 0; round < 10; round++) {
            heartbeat(machine, CACHE_A);
            heartbeat(machine, CACHE_B);
        }
        assertEquals(12, clock(machine));
        // A node that leaves does not count towards the next tick.
        expire(
                machine,
                CACHE_B,
                machine.query(clusterQuery()).getCluster().getCacheNodesList().stream()
                        .filter(n -> n.getNodeId().equals(CACHE_B))
                        .findFirst()
                        .orElseThrow()
                        .getHeartbeats());
        assertEquals(12, heartbeat(machine, CACHE_A).getClockTicks());
        assertEquals(13, heartbeat(machine, CACHE_A).getClockTicks());
        // Refused heartbeats never move it.
        assertEquals(13, heartbeat(machine, nodeId("stranger")).getClockTicks());
        assertEquals(13, clock(machine));
        machine.checkInvariants();
    }

    @Test
    void theClock_survivesASnapshot() {
        TabletStateMachine machine = fixtures.bootstrapped(2, 10);
        heartbeat(machine, CACHE_A);
        heartbeat(machine, CACHE_A);
        heartbeat(machine, CACHE_A);

        TabletStateMachine restored = TabletStateMachine.restore(machine.snapshot());

        assertArrayEquals(machine.snapshot(), restored.snapshot());
        assertEquals(2, clock(restored));
        // A had beaten since the last tick, and the snapshot remembers it: its next one ticks.
        assertEquals(3, heartbeat(restored, CACHE_A).getClockTicks());
    }

    private long clock(TabletStateMachine machine) {
        return machine.query(clusterQuery()).getCluster().getClockTicks();
    }

    @Test
    void heartbeats_surviveASnapshot() {
        TabletStateMachine machine = fixtures.bootstrapped(2, 10);
        heartbeat(machine, CACHE_A);
        heartbeat(machine, CACHE_A);

        TabletStateMachine restored = TabletStateMachine.restore(machine.snapshot());

        assertArrayEquals(machine.snapshot(), restored.snapshot());
        assertEquals(
                DeregisterCacheNodeResult.Status.HEARTBEAT_MOVED,
                expire(restored, CACHE_A, 1).getStatus());
        assertEquals(
                DeregisterCacheNodeResult.Status.OK,
                expire(restored, CACHE_A, 2).getStatus());
    }

    private CacheNodeHeartbeatResult heartbeat(TabletStateMachine machine, String node) {
        return machine.apply(fixtures.command()
                        .setCacheNodeHeartbeat(CacheNodeHeartbeat.newBuilder().setNodeId(node))
                        .build())
                .getCacheNodeHeartbeat();
    }

    private DeregisterCacheNodeResult expire(TabletStateMachine machine, String node, long expectedHeartbeats) {
        return machine.apply(fixtures.command()
                        .setDeregisterCacheNode(DeregisterCacheNode.newBuilder()
                                .setNodeId(node)
                                .setExpectedHeartbeats(expectedHeartbeats))
                        .build())
                .getDeregisterCacheNode();
    }

    @Test
    void register_isBoundedByCacheNodeLimit() {
        TabletStateMachine machine = fixtures.bootstrapped(1, 10);
        for (int i = 1; i < Limits.CACHE_NODES_MAX; i++) {
            assertEquals(
                    RegisterCacheNodeResult.Status.OK,
                    register(machine, nodeId("cache-" + i), CACHE_MEASUREMENT).getStatus());
        }
        assertEquals(
                RegisterCacheNodeResult.Status.CACHE_NODE_LIMIT,
                register(machine, nodeId("one-more"), CACHE_MEASUREMENT).getStatus());
    }

    @Test
    void updatePolicy_evictsNodesNoLongerAllowed() {
        TabletStateMachine machine = fixtures.bootstrapped(2, 10);
        fixtures.reserve(machine, CACHE_A, 2);
        UpdatePolicyResult stale = updatePolicy(machine, 0, cachePolicy(OTHER_MEASUREMENT));
        assertEquals(UpdatePolicyResult.Status.VERSION_CONFLICT, stale.getStatus());
        UpdatePolicyResult result = updatePolicy(machine, 1, cachePolicy(OTHER_MEASUREMENT, OTHER_MEASUREMENT));
        assertEquals(UpdatePolicyResult.Status.OK, result.getStatus());
        assertEquals(2, result.getPolicyVersion());
        assertEquals(List.of(CACHE_A), result.getDeregisteredNodeIdsList());
        assertEquals(2, result.getWriterSetVersion());
        var cluster = machine.query(clusterQuery()).getCluster();
        assertTrue(cluster.getCacheNodesList().isEmpty());
        assertEquals(List.of(OTHER_MEASUREMENT), cluster.getPolicy().getRoles(0).getMeasurementsHexList());
        assertEquals(
                UpdatePolicyResult.Status.INVALID,
                updatePolicy(machine, 2, cachePolicy("zz")).getStatus());
        machine.checkInvariants();
    }

    @Test
    void authorizedWriters_areSignedDeterministicallyAndVerifyWithTheJdk() throws GeneralSecurityException, Exception {
        TabletStateMachine machine = fixtures.bootstrapped(2, 10);
        register(machine, CACHE_B, CACHE_MEASUREMENT);
        SignedWriterSet signed = machine.query(authorizedWritersQuery()).getAuthorizedWriters();
        AuthorizedWriterSet set = AuthorizedWriterSet.parseFrom(signed.getWriterSet());
        assertEquals(2, set.getVersion());
        assertEquals(List.of(CACHE_A, CACHE_B).stream().sorted().toList(), set.getWriterNodeIdsList());

        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(Fixtures.AUTHORITY.getPublic());
        verifier.update("ratchet/authorized-writers/v1".getBytes(StandardCharsets.US_ASCII));
        verifier.update((byte) 0);
        verifier.update(signed.getWriterSet().toByteArray());
        assertTrue(verifier.verify(signed.getSignature().toByteArray()));

        // Another replica (here: a restored copy) signs the same bytes.
        TabletStateMachine replica = TabletStateMachine.restore(machine.snapshot());
        assertEquals(signed, replica.query(authorizedWritersQuery()).getAuthorizedWriters());
        // Hand-encoded sector.proto bytes: field 1 varint, field 2 length-delimited strings.
        assertArrayEquals(
                expectedWireBytes(2, List.of(CACHE_A, CACHE_B).stream().sorted().toList()),
                signed.getWriterSet().toByteArray());
    }

    @Test
    void retriedRequestId_returnsRecordedResultWithoutReapplying() {
        TabletStateMachine machine = fixtures.bootstrapped(2, 10);
        var reserve = fixtures.command()
                .setReserveStripes(dev.ratchet.tablet.proto.ReserveStripes.newBuilder()
                        .setCacheNodeId(CACHE_A)
                        .setStripeCount(2))
                .build();
        var first = machine.apply(reserve);
        byte[] afterFirst = machine.snapshot();
        var retry = machine.apply(reserve);
        assertTrue(retry.getReplayed());
        assertEquals(first.getReserveStripes(), retry.getReserveStripes());
        assertArrayEquals(afterFirst, machine.snapshot());

        var reused = reserve.toBuilder()
                .setReserveStripes(reserve.getReserveStripes().toBuilder().setStripeCount(3))
                .build();
        assertEquals(
                "REQUEST_ID_REUSED",
                machine.apply(reused).getRejection().getReason().name());
    }

    @Test
    void idempotencyWindow_evictsOldestInApplyOrder() {
        TabletStateMachine machine = fixtures.bootstrapped(1, 10);
        var firstCommand = fixtures.command()
                .setRotateDataKey(RotateDataKey.newBuilder().setNewEpoch(9))
                .build();
        machine.apply(firstCommand);
        for (int i = 0; i < Limits.IDEMPOTENCY_WINDOW_ENTRIES; i++) {
            machine.apply(fixtures.command()
                    .setRotateDataKey(RotateDataKey.newBuilder().setNewEpoch(9))
                    .build());
        }
        // The first id fell out of the window, so its retry is applied again (and not marked replayed).
        assertFalse(machine.apply(firstCommand).getReplayed());
    }

    private static byte[] expectedWireBytes(long version, List<String> ids) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0x08);
        out.write((int) version); // < 128
        for (String id : ids) {
            byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
            out.write(0x12);
            out.write(bytes.length); // 64 < 128
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    private BootstrapResult.Status bootstrapStatus(TabletStateMachine machine, Bootstrap.Builder command) {
        return machine.apply(fixtures.command().setBootstrap(command).build())
                .getBootstrap()
                .getStatus();
    }

    private RotateDataKeyResult rotate(TabletStateMachine machine, long epoch, ByteString key) {
        return machine.apply(fixtures.command()
                        .setRotateDataKey(
                                RotateDataKey.newBuilder().setNewEpoch(epoch).setKey(key))
                        .build())
                .getRotateDataKey();
    }

    private RegisterCacheNodeResult register(TabletStateMachine machine, String node, String measurement) {
        return machine.apply(fixtures.command()
                        .setRegisterCacheNode(
                                RegisterCacheNode.newBuilder().setNodeId(node).setMeasurementHex(measurement))
                        .build())
                .getRegisterCacheNode();
    }

    private UpdatePolicyResult updatePolicy(TabletStateMachine machine, long expected, Policy policy) {
        return machine.apply(fixtures.command()
                        .setUpdatePolicy(UpdatePolicy.newBuilder()
                                .setExpectedPolicyVersion(expected)
                                .setPolicy(policy))
                        .build())
                .getUpdatePolicy();
    }

    private static long writerSetVersion(TabletStateMachine machine) {
        return machine.query(clusterQuery()).getCluster().getWriterSetVersion();
    }

    private static Query clusterQuery() {
        return Query.newBuilder().setCluster(ClusterQuery.getDefaultInstance()).build();
    }

    private static Query authorizedWritersQuery() {
        return Query.newBuilder()
                .setAuthorizedWriters(AuthorizedWritersQuery.getDefaultInstance())
                .build();
    }
}
