package dev.ratchet.tablet;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.tls.AttestedPeer;
import dev.ratchet.raft.RequestAuthorizer;
import dev.ratchet.raft.RequestRefusedException;
import dev.ratchet.tablet.proto.Command;

/**
 * Which attested caller may submit which tablet-store command: the tablet store's {@link
 * RequestAuthorizer}, run on the client port of every replica before a command is logged.
 *
 * <p><b>Threat.</b> Commands name the cache node they act for ({@code cache_node_id}, or {@code
 * node_id} in registration), and the state machine checks that name against its replicated
 * state, not against who sent the command. Every attested cache reaches the client port, so
 * without this rule one cache (a bug, or a compromised process that still attests) could commit
 * tablets under another cache's reservations, release or trim its stripes, or deregister it and so
 * revoke its writes to the sector servers; and it could bootstrap, rotate keys or widen the
 * attestation policy, which only operators do.
 *
 * <p><b>Rules</b> (the caller's node id and role come from its TLS certificate):
 *
 * <ul>
 *   <li>Queries: any caller the port admits. They are read-only, and caches need the data keys
 *       and writer set anyway.
 *   <li>Role {@code client} (operator tools): every command, naming any cache node. Operators run
 *       recovery for caches that cannot: deregistering a crashed cache node, releasing its
 *       reservations; and they bootstrap, rotate keys and
 *       change the policy. Clients and operators share the role today (ARCHITECTURE.md, "Cache
 *       node"), so a deployment that must keep applications from the tablet store gives operator
 *       tools their own measurement and allows only that one for role client.
 *   <li>Role {@code cache}: a command that names a cache node ({@code CommitTablets}, {@code
 *       ReserveStripes}, {@code ReleaseStripes}, {@code ClaimTrim}, {@code ConfirmTrimmed}, {@code SplitTablet},
 *       {@code MergeTablets}, {@code RegisterCacheNode}, {@code DeregisterCacheNode}, and {@code
 *       MarkSlotDead}'s reporter) must name the caller itself, else {@link
 *       TabletStoreClient#CACHE_NODE_ID_MISMATCH}: a death needs reports from two caches, so one
 *       cache must not report in another's name. A rebuild's commands ({@code AssignReplacement},
 *       {@code RecordRebuildProgress}, {@code MarkSlotRebuilt}, {@code AbandonRebuild}) name their
 *       rebuilder, which must be the caller too: the rebuilder's removal abandons its rebuilds,
 *       so one cache must not start rebuilds in another's name. A {@code DeregisterCacheNode} that carries
 *       {@code expected_heartbeats}: the peer expiry caches run on each other, which the store
 *       applies only while the named node's heartbeat count stands at that value. Cluster administration ({@code Bootstrap}, {@code
 *       RotateDataKey}, {@code UpdatePolicy}) is {@link TabletStoreClient#ROLE_NOT_ALLOWED}: no
 *       cache code issues it. Bytes that do not parse, or carry no command kind, pass: the state
 *       machine parses the same bytes the same way and answers them {@code MALFORMED}, changing
 *       nothing.
 *   <li>Any other role: {@link TabletStoreClient#ROLE_NOT_ALLOWED} (the port admits none today).
 * </ul>
 *
 * <p>A pure function of the caller and the bytes; stateless and thread-safe.
 */
final class CallerRules implements RequestAuthorizer {
    // Names are attacker-chosen text; a refusal shows a bounded prefix.
    private static final int SHOWN_ID_CHARS_MAX = 80;

    @Override
    public void authorize(AttestedPeer caller, RequestKind kind, byte[] payload) throws RequestRefusedException {
        Role role = caller.role();
        if (role != Role.CLIENT && role != Role.CACHE) {
            throw new RequestRefusedException(
                    TabletStoreClient.ROLE_NOT_ALLOWED, "role " + role + " may not use the tablet store");
        }
        if (kind == RequestKind.QUERY || role == Role.CLIENT) {
            return;
        }
        Command command;
        try {
            command = Command.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
            return; // answered MALFORMED by the state machine, which parses these very bytes
        }
        checkCache(caller.nodeId(), command);
    }

    /**
     * Checks that a cache whose node id is {@code nodeId} may submit {@code command}.
     *
     * @throws RequestRefusedException with {@link TabletStoreClient#CACHE_NODE_ID_MISMATCH} or
     *     {@link TabletStoreClient#ROLE_NOT_ALLOWED}
     */
    static void checkCache(String nodeId, Command command) throws RequestRefusedException {
        String named = switch (command.getKindCase()) {
            case COMMIT_TABLETS -> command.getCommitTablets().getCacheNodeId();
            case RESERVE_STRIPES -> command.getReserveStripes().getCacheNodeId();
            case RELEASE_STRIPES -> command.getReleaseStripes().getCacheNodeId();
            case CLAIM_TRIM -> command.getClaimTrim().getCacheNodeId();
            case CONFIRM_TRIMMED -> command.getConfirmTrimmed().getCacheNodeId();
            case SPLIT_TABLET -> command.getSplitTablet().getCacheNodeId();
            case MERGE_TABLETS -> command.getMergeTablets().getCacheNodeId();
            case REGISTER_CACHE_NODE -> command.getRegisterCacheNode().getNodeId();
            // An expiry (expected_heartbeats set) names a peer: caches expire each other when a
            // heartbeat count stops, and the store applies it only if the count still stands, so
            // a cache can remove only a peer that stopped logging heartbeats.
            case DEREGISTER_CACHE_NODE ->
                command.getDeregisterCacheNode().hasExpectedHeartbeats()
                        ? nodeId
                        : command.getDeregisterCacheNode().getNodeId();
            case CACHE_NODE_HEARTBEAT -> command.getCacheNodeHeartbeat().getNodeId();
            // A death report counts as its reporter's voice towards corroboration, so a cache
            // may report only as itself: one cache must not cast two votes.
            case MARK_SLOT_DEAD -> command.getMarkSlotDead().getReporterCacheNodeId();
            // A rebuild's commands name its rebuilder, whose removal abandons it: a cache must
            // name itself, or one cache could start rebuilds another's removal would not end.
            case ASSIGN_REPLACEMENT -> command.getAssignReplacement().getRebuilderCacheNodeId();
            case MARK_SLOT_REBUILT -> command.getMarkSlotRebuilt().getRebuilderCacheNodeId();
            case RECORD_REBUILD_PROGRESS -> command.getRecordRebuildProgress().getRebuilderCacheNodeId();
            case ABANDON_REBUILD -> command.getAbandonRebuild().getRebuilderCacheNodeId();
            case KIND_NOT_SET -> nodeId;
            case BOOTSTRAP, ROTATE_DATA_KEY, UPDATE_POLICY ->
                throw new RequestRefusedException(
                        TabletStoreClient.ROLE_NOT_ALLOWED,
                        command.getKindCase() + " is for operator tools (role client), not caches");
        };
        if (!named.equals(nodeId)) {
            throw new RequestRefusedException(
                    TabletStoreClient.CACHE_NODE_ID_MISMATCH,
                    command.getKindCase() + " names cache node " + shown(named) + " but the caller is cache node "
                            + nodeId);
        }
    }

    private static String shown(String id) {
        return id.length() <= SHOWN_ID_CHARS_MAX ? "'" + id + "'" : "'" + id.substring(0, SHOWN_ID_CHARS_MAX) + "…'";
    }
}
