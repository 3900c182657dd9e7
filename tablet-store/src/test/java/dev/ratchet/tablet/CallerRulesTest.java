package dev.ratchet.tablet;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import dev.ratchet.attestation.tls.AttestedPeer;
import dev.ratchet.raft.RequestAuthorizer.RequestKind;
import dev.ratchet.raft.RequestRefusedException;
import dev.ratchet.tablet.proto.AbandonRebuild;
import dev.ratchet.tablet.proto.AssignReplacement;
import dev.ratchet.tablet.proto.CacheNodeHeartbeat;
import dev.ratchet.tablet.proto.ClaimTrim;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.CommitTablets;
import dev.ratchet.tablet.proto.ConfirmTrimmed;
import dev.ratchet.tablet.proto.DeregisterCacheNode;
import dev.ratchet.tablet.proto.MarkSlotDead;
import dev.ratchet.tablet.proto.MarkSlotRebuilt;
import dev.ratchet.tablet.proto.MergeTablets;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.RecordRebuildProgress;
import dev.ratchet.tablet.proto.RegisterCacheNode;
import dev.ratchet.tablet.proto.ReleaseStripes;
import dev.ratchet.tablet.proto.ReserveStripes;
import dev.ratchet.tablet.proto.RingQuery;
import dev.ratchet.tablet.proto.RotateDataKey;
import dev.ratchet.tablet.proto.SplitTablet;
import dev.ratchet.tablet.proto.UpdatePolicy;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The tablet store's caller rules, command kind by command kind, for every role. */
class CallerRulesTest {
    private static final TestClusterCa CA = new TestClusterCa(Clock.systemUTC());
    private static final AttestedPeer CACHE = peer(CA.identity(Role.CACHE));
    private static final AttestedPeer OPERATOR = peer(CA.identity(Role.CLIENT));
    private static final String OTHER_CACHE = Fixtures.nodeId("another cache");

    /** The kinds that name a cache node; every other kind either names none or is for operators. */
    private static final Set<Command.KindCase> NAMING_A_CACHE = EnumSet.of(
            Command.KindCase.COMMIT_TABLETS,
            Command.KindCase.RESERVE_STRIPES,
            Command.KindCase.RELEASE_STRIPES,
            Command.KindCase.CLAIM_TRIM,
            Command.KindCase.CONFIRM_TRIMMED,
            // A death report is a voice towards corroboration: a cache reports only as itself.
            Command.KindCase.MARK_SLOT_DEAD,
            Command.KindCase.SPLIT_TABLET,
            Command.KindCase.MERGE_TABLETS,
            Command.KindCase.REGISTER_CACHE_NODE,
            Command.KindCase.DEREGISTER_CACHE_NODE,
            Command.KindCase.CACHE_NODE_HEARTBEAT,
            // A rebuild names its rebuilder, whose removal abandons it: a cache names only itself.
            Command.KindCase.ASSIGN_REPLACEMENT,
            Command.KindCase.MARK_SLOT_REBUILT,
            Command.KindCase.RECORD_REBUILD_PROGRESS,
            Command.KindCase.ABANDON_REBUILD);

    private static final Set<Command.KindCase> OPERATORS_ONLY =
            EnumSet.of(Command.KindCase.BOOTSTRAP, Command.KindCase.ROTATE_DATA_KEY, Command.KindCase.UPDATE_POLICY);

    private final CallerRules rules = new CallerRules();

    @Test
    void aCacheMaySubmitEveryCommandThatNamesItself_andArrayUpkeep() {
        for (Command.KindCase kind : Command.KindCase.values()) {
            if (!OPERATORS_ONLY.contains(kind)) {
                assertDoesNotThrow(() -> authorize(CACHE, command(kind, CACHE.nodeId())), kind::toString);
            }
        }
    }

    @Test
    void aCacheNamingAnotherCache_isCacheNodeIdMismatch() {
        for (Command.KindCase kind : NAMING_A_CACHE) {
            RequestRefusedException refused =
                    assertThrows(RequestRefusedException.class, () -> authorize(CACHE, command(kind, OTHER_CACHE)));
            assertEquals(TabletStoreClient.CACHE_NODE_ID_MISMATCH, refused.code(), kind::toString);
            assertTrue(refused.detail().contains(OTHER_CACHE), refused::detail);
            assertTrue(refused.detail().contains(CACHE.nodeId()), refused::detail);
        }
        // Naming no one is not naming oneself.
        assertEquals(
                TabletStoreClient.CACHE_NODE_ID_MISMATCH,
                assertThrows(
                                RequestRefusedException.class,
                                () -> authorize(CACHE, command(Command.KindCase.RESERVE_STRIPES, "")))
                        .code());
    }

    @Test
    void aCacheMayExpireAPeer_onlyByNamingTheHeartbeatCountItSawStand() throws Exception {
        authorize(
                CACHE,
                new Proposals()
                        .command()
                        .setDeregisterCacheNode(DeregisterCacheNode.newBuilder()
                                .setNodeId(OTHER_CACHE)
                                .setExpectedHeartbeats(7))
                        .build());
        assertEquals(
                TabletStoreClient.CACHE_NODE_ID_MISMATCH,
                assertThrows(
                                RequestRefusedException.class,
                                () -> authorize(CACHE, command(Command.KindCase.DEREGISTER_CACHE_NODE, OTHER_CACHE)))
                        .code());
    }

    @Test
    void clusterAdministrationFromACache_isRoleNotAllowed() {
        for (Command.KindCase kind : OPERATORS_ONLY) {
            RequestRefusedException refused =
                    assertThrows(RequestRefusedException.class, () -> authorize(CACHE, command(kind, CACHE.nodeId())));
            assertEquals(TabletStoreClient.ROLE_NOT_ALLOWED, refused.code(), kind::toString);
        }
    }

    @Test
    void anOperatorMaySubmitEveryCommand_namingAnyCache() {
        for (Command.KindCase kind : Command.KindCase.values()) {
            assertDoesNotThrow(() -> authorize(OPERATOR, command(kind, OTHER_CACHE)), kind::toString);
        }
    }

    @Test
    void bytesThatAreNoCommand_passToTheStateMachine_whichAnswersMalformed() {
        assertDoesNotThrow(() -> rules.authorize(CACHE, RequestKind.COMMAND, new byte[] {(byte) 0xff, 0x01}));
        assertDoesNotThrow(() -> rules.authorize(CACHE, RequestKind.COMMAND, new byte[0]));
    }

    @Test
    void cachesAndOperatorsMayQuery_evenBytesThatAreNoQuery() {
        byte[] ring = Query.newBuilder()
                .setRing(RingQuery.getDefaultInstance())
                .build()
                .toByteArray();
        for (AttestedPeer caller : new AttestedPeer[] {CACHE, OPERATOR}) {
            assertDoesNotThrow(() -> rules.authorize(caller, RequestKind.QUERY, ring));
            assertDoesNotThrow(() -> rules.authorize(caller, RequestKind.QUERY, new byte[] {(byte) 0xff}));
        }
    }

    @Test
    void otherRoles_areRoleNotAllowed_forQueriesAndCommands() {
        for (Role role : EnumSet.of(Role.TABLET_STORE, Role.SECTOR)) {
            AttestedPeer caller = peer(CA.identity(role));
            for (RequestKind kind : RequestKind.values()) {
                RequestRefusedException refused =
                        assertThrows(RequestRefusedException.class, () -> rules.authorize(caller, kind, new byte[0]));
                assertEquals(TabletStoreClient.ROLE_NOT_ALLOWED, refused.code(), role + " " + kind);
            }
        }
    }

    private void authorize(AttestedPeer caller, Command command) throws RequestRefusedException {
        rules.authorize(caller, RequestKind.COMMAND, command.toByteArray());
    }

    /** Returns a command of {@code kind} naming {@code cacheNodeId} where the kind names a cache. */
    private static Command command(Command.KindCase kind, String cacheNodeId) {
        Command.Builder command = new Proposals().command();
        String sector = Fixtures.sectorId(0);
        switch (kind) {
            case BOOTSTRAP -> command.setBootstrap(Fixtures.bootstrap(1, 16));
            case COMMIT_TABLETS ->
                command.setCommitTablets(CommitTablets.newBuilder().setCacheNodeId(cacheNodeId));
            case RESERVE_STRIPES ->
                command.setReserveStripes(
                        ReserveStripes.newBuilder().setCacheNodeId(cacheNodeId).setStripeCount(1));
            case RELEASE_STRIPES ->
                command.setReleaseStripes(ReleaseStripes.newBuilder().setCacheNodeId(cacheNodeId));
            case CLAIM_TRIM ->
                command.setClaimTrim(
                        ClaimTrim.newBuilder().setCacheNodeId(cacheNodeId).setStripeCount(1));
            case CONFIRM_TRIMMED ->
                command.setConfirmTrimmed(ConfirmTrimmed.newBuilder().setCacheNodeId(cacheNodeId));
            case SPLIT_TABLET -> command.setSplitTablet(SplitTablet.newBuilder().setCacheNodeId(cacheNodeId));
            case MERGE_TABLETS ->
                command.setMergeTablets(MergeTablets.newBuilder().setCacheNodeId(cacheNodeId));
            case MARK_SLOT_DEAD ->
                command.setMarkSlotDead(
                        MarkSlotDead.newBuilder().setExpectedNodeId(sector).setReporterCacheNodeId(cacheNodeId));
            case ASSIGN_REPLACEMENT ->
                command.setAssignReplacement(AssignReplacement.newBuilder().setRebuilderCacheNodeId(cacheNodeId));
            case MARK_SLOT_REBUILT ->
                command.setMarkSlotRebuilt(
                        MarkSlotRebuilt.newBuilder().setExpectedNodeId(sector).setRebuilderCacheNodeId(cacheNodeId));
            case RECORD_REBUILD_PROGRESS ->
                command.setRecordRebuildProgress(RecordRebuildProgress.newBuilder()
                        .setExpectedNodeId(sector)
                        .setRebuilderCacheNodeId(cacheNodeId));
            case ABANDON_REBUILD ->
                command.setAbandonRebuild(
                        AbandonRebuild.newBuilder().setExpectedNodeId(sector).setRebuilderCacheNodeId(cacheNodeId));
            case ROTATE_DATA_KEY ->
                command.setRotateDataKey(RotateDataKey.newBuilder().setNewEpoch(2));
            case REGISTER_CACHE_NODE ->
                command.setRegisterCacheNode(RegisterCacheNode.newBuilder().setNodeId(cacheNodeId));
            case DEREGISTER_CACHE_NODE ->
                command.setDeregisterCacheNode(DeregisterCacheNode.newBuilder().setNodeId(cacheNodeId));
            case CACHE_NODE_HEARTBEAT ->
                command.setCacheNodeHeartbeat(CacheNodeHeartbeat.newBuilder().setNodeId(cacheNodeId));
            case UPDATE_POLICY ->
                command.setUpdatePolicy(UpdatePolicy.newBuilder().setExpectedPolicyVersion(1));
            case KIND_NOT_SET -> {
                // only the request id
            }
        }
        return command.build();
    }

    private static AttestedPeer peer(NodeIdentity identity) {
        return new AttestedPeer(identity.nodeId(), identity.role(), identity.publicKey());
    }
}
