package dev.ratchet.tablet;

import dev.ratchet.tablet.proto.Bootstrap;
import dev.ratchet.tablet.proto.BootstrapResult;
import dev.ratchet.tablet.proto.CacheNodeHeartbeat;
import dev.ratchet.tablet.proto.CacheNodeHeartbeatResult;
import dev.ratchet.tablet.proto.DeregisterCacheNode;
import dev.ratchet.tablet.proto.DeregisterCacheNodeResult;
import dev.ratchet.tablet.proto.RegisterCacheNode;
import dev.ratchet.tablet.proto.RegisterCacheNodeResult;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.Role;
import dev.ratchet.tablet.proto.RotateDataKey;
import dev.ratchet.tablet.proto.RotateDataKeyResult;
import dev.ratchet.tablet.proto.Slot;
import dev.ratchet.tablet.proto.SlotAssignment;
import dev.ratchet.tablet.proto.SlotState;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.UpdatePolicy;
import dev.ratchet.tablet.proto.UpdatePolicyResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cluster-wide commands: bootstrap, data-key rotation, cache-node registration and the
 * attestation policy. Each validates everything first and mutates only after, so a refused command
 * changes nothing.
 */
final class ClusterCommands {
    private ClusterCommands() {}

    static Result bootstrap(TabletState state, Bootstrap command) {
        if (state.bootstrapped) {
            return bootstrapResult(BootstrapResult.Status.ALREADY_BOOTSTRAPPED, "the cluster is already bootstrapped");
        }
        String problem = bootstrapProblem(command);
        if (problem != null) {
            return bootstrapResult(BootstrapResult.Status.INVALID, problem);
        }
        WriterAuthority authority;
        try {
            authority =
                    WriterAuthority.parse(command.getAuthorityPrivateKeyPkcs8(), command.getAuthorityPublicKeySpki());
        } catch (IllegalArgumentException e) {
            return bootstrapResult(BootstrapResult.Status.INVALID, e.getMessage());
        }

        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < command.getSlotsCount(); i++) {
            SlotAssignment assignment = command.getSlots(i);
            slots.add(Slot.newBuilder()
                    .setSlotIndex(i)
                    .setNodeId(assignment.getNodeId())
                    .setAddress(assignment.getAddress())
                    .setState(SlotState.SLOT_LIVE)
                    .build());
        }
        state.ring = Ring.evenlySplit(command.getInitialTabletCount());
        state.nextTabletId = command.getInitialTabletCount() + 1L;
        state.array = new SectorArray(command.getDataShards(), command.getParityShards(), slots);
        state.stripes = new StripeAllocator(command.getStripeCount());
        state.keys = new DataKeys();
        state.keys.start(1, command.getInitialDataKey());
        state.authority = authority;
        state.cacheNodes = new CacheNodes();
        state.policy = new MeasurementPolicy();
        state.policy.replace(command.getPolicy());
        state.bootstrapped = true;
        return bootstrapResult(BootstrapResult.Status.OK, "");
    }

    private static String bootstrapProblem(Bootstrap command) {
        int tablets = command.getInitialTabletCount();
        if (tablets < 1 || tablets > Limits.INITIAL_TABLETS_MAX) {
            return "initial tablet count " + Integer.toUnsignedString(tablets) + " is not in [1, "
                    + Limits.INITIAL_TABLETS_MAX + "]";
        }
        long k = Integer.toUnsignedLong(command.getDataShards());
        long m = Integer.toUnsignedLong(command.getParityShards());
        if (k < 1 || k + m > Limits.SHARDS_PER_STRIPE_MAX) {
            return "geometry k=" + k + ", m=" + m + " needs k >= 1 and k + m <= " + Limits.SHARDS_PER_STRIPE_MAX;
        }
        long stripeCount = command.getStripeCount();
        if (stripeCount < 1 || stripeCount > Limits.STRIPE_COUNT_MAX) {
            return "stripe count " + Long.toUnsignedString(stripeCount) + " is not in [1, " + Limits.STRIPE_COUNT_MAX
                    + "]";
        }
        if (command.getSlotsCount() != k + m) {
            return command.getSlotsCount() + " slots for a " + k + "+" + m + " array";
        }
        Set<String> nodeIds = new HashSet<>();
        for (SlotAssignment slot : command.getSlotsList()) {
            String problem = assignmentProblem(slot);
            if (problem != null) {
                return problem;
            }
            if (!nodeIds.add(slot.getNodeId())) {
                return "sector server " + slot.getNodeId() + " is in two slots";
            }
        }
        if (!InputRules.isDataKey(command.getInitialDataKey())) {
            return "the initial data key must be " + Limits.DATA_KEY_BYTES + " bytes, not all zero";
        }
        return MeasurementPolicy.problem(command.getPolicy());
    }

    /** Returns why a sector-server assignment is malformed, or null. */
    static String assignmentProblem(SlotAssignment slot) {
        if (!InputRules.isNodeId(slot.getNodeId())) {
            return "sector server id '" + slot.getNodeId() + "' is not 64 lowercase hex characters";
        }
        if (!InputRules.isAddress(slot.getAddress())) {
            return "sector server address must be 1.." + Limits.ADDRESS_BYTES_MAX + " bytes";
        }
        return null;
    }

    static Result rotateDataKey(TabletState state, RotateDataKey command) {
        long current = state.keys.currentEpoch();
        if (!InputRules.isDataKey(command.getKey())) {
            return rotateResult(
                    RotateDataKeyResult.Status.INVALID,
                    current,
                    List.of(),
                    "a data key must be " + Limits.DATA_KEY_BYTES + " bytes, not all zero");
        }
        if (command.getNewEpoch() != current + 1) {
            return rotateResult(
                    RotateDataKeyResult.Status.WRONG_EPOCH,
                    current,
                    List.of(),
                    "new epoch " + Long.toUnsignedString(command.getNewEpoch()) + " is not " + (current + 1));
        }
        Set<Long> inUse = new HashSet<>();
        for (Tablet tablet : state.ring.byId()) {
            for (TabletBlob blob : tablet.blobs()) {
                if (blob.getStripesCount() > 0) {
                    inUse.add(blob.getKeyEpoch());
                }
            }
        }
        state.keys.start(command.getNewEpoch(), command.getKey());
        List<Long> erased = state.keys.eraseUnused(inUse);
        return rotateResult(RotateDataKeyResult.Status.OK, state.keys.currentEpoch(), erased, "");
    }

    static Result registerCacheNode(TabletState state, RegisterCacheNode command) {
        String node = command.getNodeId();
        long version = state.cacheNodes.writerSetVersion();
        if (!InputRules.isNodeId(node) || !InputRules.isMeasurement(command.getMeasurementHex())) {
            return registerResult(
                    RegisterCacheNodeResult.Status.INVALID,
                    version,
                    "node id must be 64 lowercase hex characters and the measurement lowercase hex");
        }
        if (state.cacheNodes.contains(node)) {
            return registerResult(RegisterCacheNodeResult.Status.ALREADY_REGISTERED, version, node);
        }
        if (!state.policy.allows(Role.ROLE_CACHE, command.getMeasurementHex())) {
            return registerResult(
                    RegisterCacheNodeResult.Status.MEASUREMENT_NOT_ALLOWED,
                    version,
                    "measurement " + command.getMeasurementHex() + " is not allowed for cache nodes");
        }
        if (state.cacheNodes.size() >= Limits.CACHE_NODES_MAX) {
            return registerResult(
                    RegisterCacheNodeResult.Status.CACHE_NODE_LIMIT,
                    version,
                    "already " + Limits.CACHE_NODES_MAX + " cache nodes");
        }
        state.cacheNodes.add(node, command.getMeasurementHex());
        state.cacheNodes.bumpVersion();
        return registerResult(RegisterCacheNodeResult.Status.OK, state.cacheNodes.writerSetVersion(), "");
    }

    static Result deregisterCacheNode(TabletState state, DeregisterCacheNode command) {
        String node = command.getNodeId();
        long version = state.cacheNodes.writerSetVersion();
        if (!InputRules.isNodeId(node)) {
            return deregisterResult(
                    DeregisterCacheNodeResult.Status.INVALID, version, "node id must be 64 lowercase hex characters");
        }
        if (!state.cacheNodes.contains(node)) {
            return deregisterResult(DeregisterCacheNodeResult.Status.UNKNOWN_CACHE_NODE, version, node);
        }
        if (command.hasExpectedHeartbeats() && command.getExpectedHeartbeats() != state.cacheNodes.heartbeats(node)) {
            return deregisterResult(
                    DeregisterCacheNodeResult.Status.HEARTBEAT_MOVED,
                    version,
                    "node " + node + " has logged " + Long.toUnsignedString(state.cacheNodes.heartbeats(node))
                            + " heartbeats, not " + Long.toUnsignedString(command.getExpectedHeartbeats())
                            + "; it is alive");
        }
        removeCacheNode(state, node);
        state.cacheNodes.bumpVersion();
        return deregisterResult(DeregisterCacheNodeResult.Status.OK, state.cacheNodes.writerSetVersion(), "");
    }

    static Result heartbeat(TabletState state, CacheNodeHeartbeat command) {
        String node = command.getNodeId();
        if (!InputRules.isNodeId(node)) {
            return heartbeatResult(
                    CacheNodeHeartbeatResult.Status.INVALID,
                    0,
                    state.cacheNodes.clockTicks(),
                    "node id must be 64 lowercase hex characters");
        }
        if (!state.cacheNodes.contains(node)) {
            // The node was expired, deregistered or evicted by a policy change: its reservations
            // are gone and its writes are refused, so it must stop and start again as a new node.
            return heartbeatResult(
                    CacheNodeHeartbeatResult.Status.UNKNOWN_CACHE_NODE, 0, state.cacheNodes.clockTicks(), node);
        }
        long heartbeats = state.cacheNodes.heartbeat(node);
        state.deathSuspicions.pruneLapsed(node, state.cacheNodes);
        return heartbeatResult(CacheNodeHeartbeatResult.Status.OK, heartbeats, state.cacheNodes.clockTicks(), "");
    }

    static Result updatePolicy(TabletState state, UpdatePolicy command) {
        long version = state.policy.version();
        String problem = MeasurementPolicy.problem(command.getPolicy());
        if (problem != null) {
            return policyResult(UpdatePolicyResult.Status.INVALID, state, List.of(), problem);
        }
        if (command.getExpectedPolicyVersion() != version) {
            return policyResult(
                    UpdatePolicyResult.Status.VERSION_CONFLICT,
                    state,
                    List.of(),
                    "expected policy version " + Long.toUnsignedString(command.getExpectedPolicyVersion())
                            + ", current " + version);
        }
        state.policy.replace(command.getPolicy());
        List<String> evicted = new ArrayList<>();
        for (Map.Entry<String, CacheNodes.Registered> node :
                state.cacheNodes.byId().entrySet()) {
            if (!state.policy.allows(Role.ROLE_CACHE, node.getValue().measurementHex())) {
                evicted.add(node.getKey());
            }
        }
        evicted.forEach(node -> removeCacheNode(state, node));
        if (!evicted.isEmpty()) {
            state.cacheNodes.bumpVersion();
        }
        return policyResult(UpdatePolicyResult.Status.OK, state, evicted, "");
    }

    /**
     * Removes a registered node: its reserved stripes may hold ciphertext, so they go to pending
     * trim, and its trim claims end, so another node may claim them (after installing the writer
     * set without this node everywhere, which fences off this node's late zeroing); its reports
     * of unreachable servers no longer count.
     */
    private static void removeCacheNode(TabletState state, String node) {
        ArrayCommands.abandonRebuildsOf(state, node);
        state.stripes.releaseAll(node);
        state.stripes.dropTrimClaims(node);
        state.deathSuspicions.dropReporter(node);
        state.cacheNodes.remove(node);
    }

    private static Result bootstrapResult(BootstrapResult.Status status, String detail) {
        return Result.newBuilder()
                .setBootstrap(BootstrapResult.newBuilder().setStatus(status).setDetail(detail))
                .build();
    }

    private static Result rotateResult(
            RotateDataKeyResult.Status status, long epoch, List<Long> erased, String detail) {
        return Result.newBuilder()
                .setRotateDataKey(RotateDataKeyResult.newBuilder()
                        .setStatus(status)
                        .setDetail(detail)
                        .setCurrentEpoch(epoch)
                        .addAllErasedEpochs(new TreeSet<>(erased)))
                .build();
    }

    private static Result registerResult(RegisterCacheNodeResult.Status status, long version, String detail) {
        return Result.newBuilder()
                .setRegisterCacheNode(RegisterCacheNodeResult.newBuilder()
                        .setStatus(status)
                        .setDetail(detail)
                        .setWriterSetVersion(version))
                .build();
    }

    private static Result heartbeatResult(
            CacheNodeHeartbeatResult.Status status, long heartbeats, long clockTicks, String detail) {
        return Result.newBuilder()
                .setCacheNodeHeartbeat(CacheNodeHeartbeatResult.newBuilder()
                        .setStatus(status)
                        .setDetail(detail)
                        .setHeartbeats(heartbeats)
                        .setClockTicks(clockTicks))
                .build();
    }

    private static Result deregisterResult(DeregisterCacheNodeResult.Status status, long version, String detail) {
        return Result.newBuilder()
                .setDeregisterCacheNode(DeregisterCacheNodeResult.newBuilder()
                        .setStatus(status)
                        .setDetail(detail)
                        .setWriterSetVersion(version))
                .build();
    }

    private static Result policyResult(
            UpdatePolicyResult.Status status, TabletState state, List<String> evicted, String detail) {
        return Result.newBuilder()
                .setUpdatePolicy(UpdatePolicyResult.newBuilder()
                        .setStatus(status)
                        .setDetail(detail)
                        .setPolicyVersion(state.policy.version())
                        .addAllDeregisteredNodeIds(evicted)
                        .setWriterSetVersion(state.cacheNodes.writerSetVersion()))
                .build();
    }
}
