package dev.ratchet.tablet;

import com.google.protobuf.ByteString;
import dev.ratchet.tablet.proto.CacheNode;
import dev.ratchet.tablet.proto.DataKey;
import dev.ratchet.tablet.proto.DeathSuspicion;
import dev.ratchet.tablet.proto.IdempotencyEntry;
import dev.ratchet.tablet.proto.Reservation;
import dev.ratchet.tablet.proto.Slot;
import dev.ratchet.tablet.proto.SlotState;
import dev.ratchet.tablet.proto.Snapshot;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletMeta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The whole replicated state of the tablet store, and its snapshot form.
 *
 * <p>Every collection is ordered by a key (never by hash or identity), so iteration and the
 * snapshot encoding depend only on the sequence of applied commands. Fields are null until
 * bootstrap, except the idempotency window. Not thread-safe; the state machine's caller guards it.
 */
final class TabletState {
    /** Bumped when the snapshot's meaning changes, so an old replica refuses a new snapshot. */
    static final int SNAPSHOT_FORMAT_VERSION = 4;

    final IdempotencyWindow window = new IdempotencyWindow();
    boolean bootstrapped;
    long nextTabletId;
    Ring ring;
    SectorArray array;
    StripeAllocator stripes;
    DataKeys keys;
    WriterAuthority authority;
    CacheNodes cacheNodes;
    MeasurementPolicy policy;
    final DeathSuspicions deathSuspicions = new DeathSuspicions();

    /** Returns the state as a snapshot message, every list in its documented order. */
    Snapshot toSnapshot() {
        Snapshot.Builder snapshot =
                Snapshot.newBuilder().setFormatVersion(SNAPSHOT_FORMAT_VERSION).setBootstrapped(bootstrapped);
        if (bootstrapped) {
            snapshot.setNextTabletId(nextTabletId);
            ring.byId().forEach(tablet -> snapshot.addTablets(tablet.toMeta()));
            snapshot.setDataShards(array.dataShards())
                    .setParityShards(array.parityShards())
                    .setStripeCount(stripes.stripeCount())
                    .addAllSlots(array.slots())
                    .setDeathRecordVersion(array.deathRecordVersion())
                    .addAllDeadNodeIds(array.deadNodeIds())
                    .setStripeHighWater(stripes.highWater())
                    .addAllFreeStripes(stripes.free())
                    .addAllPendingTrimStripes(stripes.pendingTrim());
            stripes.reservations()
                    .forEach((node, reserved) -> snapshot.addReservations(
                            Reservation.newBuilder().setCacheNodeId(node).addAllStripes(reserved)));
            stripes.trimClaims()
                    .forEach((node, claimed) -> snapshot.addTrimClaims(
                            Reservation.newBuilder().setCacheNodeId(node).addAllStripes(claimed)));
            snapshot.setCurrentKeyEpoch(keys.currentEpoch());
            keys.byEpoch()
                    .forEach((epoch, key) -> snapshot.addDataKeys(
                            DataKey.newBuilder().setEpoch(epoch).setKey(key)));
            snapshot.setAuthorityPrivateKeyPkcs8(authority.privateKeyPkcs8())
                    .setAuthorityPublicKeySpki(authority.publicKeySpki());
            cacheNodes
                    .byId()
                    .forEach((id, node) -> snapshot.addCacheNodes(CacheNode.newBuilder()
                            .setNodeId(id)
                            .setMeasurementHex(node.measurementHex())
                            .setHeartbeats(node.heartbeats())));
            snapshot.setWriterSetVersion(cacheNodes.writerSetVersion())
                    .setPolicy(policy.toProto())
                    .setPolicyVersion(policy.version())
                    .addAllDeathSuspicions(deathSuspicions.toProto())
                    .setClockTicks(cacheNodes.clockTicks())
                    .addAllClockBeatenNodeIds(cacheNodes.beatenSinceTick());
        }
        snapshot.addAllIdempotencyWindow(window.entries());
        return snapshot.build();
    }

    /**
     * Rebuilds a state from a snapshot and checks every invariant.
     *
     * @throws IllegalArgumentException if the snapshot is from another format or inconsistent
     */
    static TabletState fromSnapshot(Snapshot snapshot) {
        if (snapshot.getFormatVersion() != SNAPSHOT_FORMAT_VERSION) {
            throw new IllegalArgumentException("snapshot format " + snapshot.getFormatVersion()
                    + " is not the supported format " + SNAPSHOT_FORMAT_VERSION);
        }
        TabletState state = new TabletState();
        for (IdempotencyEntry entry : snapshot.getIdempotencyWindowList()) {
            state.window.restore(entry);
        }
        if (!snapshot.getBootstrapped()) {
            return state;
        }
        try {
            state.restoreBootstrapped(snapshot);
            state.checkInvariants();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("inconsistent snapshot: " + e.getMessage(), e);
        }
        return state;
    }

    private void restoreBootstrapped(Snapshot snapshot) {
        bootstrapped = true;
        nextTabletId = snapshot.getNextTabletId();
        ring = new Ring();
        for (TabletMeta meta : snapshot.getTabletsList()) {
            if (ring.get(meta.getTabletId()) != null) {
                throw new IllegalStateException("tablet " + meta.getTabletId() + " appears twice");
            }
            ring.put(new Tablet(
                    meta.getTabletId(),
                    meta.getVersion(),
                    meta.getRangeFirst(),
                    meta.getRangeLast(),
                    meta.getBlob(),
                    meta.getDeltasList()));
        }
        array = new SectorArray(snapshot.getDataShards(), snapshot.getParityShards(), snapshot.getSlotsList());
        array.restoreDeaths(snapshot.getDeathRecordVersion(), snapshot.getDeadNodeIdsList());
        stripes = new StripeAllocator(snapshot.getStripeCount());
        Map<String, List<Long>> reserved = new TreeMap<>();
        for (Reservation reservation : snapshot.getReservationsList()) {
            reserved.put(reservation.getCacheNodeId(), reservation.getStripesList());
        }
        Map<String, List<Long>> claims = new TreeMap<>();
        for (Reservation claim : snapshot.getTrimClaimsList()) {
            if (claims.put(claim.getCacheNodeId(), claim.getStripesList()) != null) {
                throw new IllegalStateException("two trim claim entries for " + claim.getCacheNodeId());
            }
        }
        stripes.restore(
                snapshot.getStripeHighWater(),
                snapshot.getFreeStripesList(),
                snapshot.getPendingTrimStripesList(),
                reserved,
                claims);
        keys = new DataKeys();
        TreeMap<Long, ByteString> keyMap = new TreeMap<>();
        for (DataKey key : snapshot.getDataKeysList()) {
            keyMap.put(key.getEpoch(), key.getKey());
        }
        keys.restore(snapshot.getCurrentKeyEpoch(), keyMap);
        authority = WriterAuthority.parse(snapshot.getAuthorityPrivateKeyPkcs8(), snapshot.getAuthorityPublicKeySpki());
        cacheNodes = new CacheNodes();
        for (CacheNode node : snapshot.getCacheNodesList()) {
            cacheNodes.restore(node.getNodeId(), node.getMeasurementHex(), node.getHeartbeats());
        }
        cacheNodes.restoreVersion(snapshot.getWriterSetVersion());
        cacheNodes.restoreClock(snapshot.getClockTicks(), snapshot.getClockBeatenNodeIdsList());
        policy = new MeasurementPolicy();
        policy.restore(snapshot.getPolicy(), snapshot.getPolicyVersion());
        deathSuspicions.restore(snapshot.getDeathSuspicionsList(), array, cacheNodes);
    }

    /**
     * Checks every cross-structure invariant: the ring partitions the positions; the free, pending
     * trim, reserved and used stripes partition {@code [0, highWater)}; no stripe is used twice;
     * reservations belong only to registered cache nodes; every non-empty tablet's key epoch is held;
     * slots match the geometry. Costs time linear in the state; run by tests after every step and
     * on restore, not on every apply.
     *
     * @throws IllegalStateException naming the first broken invariant
     */
    void checkInvariants() {
        if (!bootstrapped) {
            return;
        }
        ring.checkPartition();
        for (Tablet tablet : ring.byId()) {
            if (tablet.id() <= 0 || tablet.id() >= nextTabletId) {
                throw new IllegalStateException("tablet id " + tablet.id() + " outside [1, " + nextTabletId + ")");
            }
            if (tablet.deltas().size() > Limits.DELTAS_PER_TABLET_MAX
                    || Long.compareUnsigned(tablet.deltas().size(), tablet.version()) > 0) {
                throw new IllegalStateException("tablet " + tablet.id() + " at version " + tablet.version() + " has "
                        + tablet.deltas().size() + " deltas");
            }
            for (TabletBlob blob : tablet.blobs()) {
                String problem = Tablet.blobProblem(blob, array.dataShards(), array.parityShards());
                if (problem != null) {
                    throw new IllegalStateException("tablet " + tablet.id() + ": " + problem);
                }
                if (blob.getStripesCount() > 0 && !keys.has(blob.getKeyEpoch())) {
                    throw new IllegalStateException(
                            "tablet " + tablet.id() + " uses erased key epoch " + blob.getKeyEpoch());
                }
            }
            for (TabletBlob delta : tablet.deltas()) {
                if (delta.getStripesCount() == 0) {
                    throw new IllegalStateException("tablet " + tablet.id() + " has an empty delta");
                }
            }
        }
        checkStripePartition();
        for (String node : stripes.reservations().keySet()) {
            if (!cacheNodes.contains(node)) {
                throw new IllegalStateException("unregistered node " + node + " holds reservations");
            }
        }
        checkTrimClaims();
        if (array.slotCount() != array.dataShards() + array.parityShards()) {
            throw new IllegalStateException("slot count does not match the geometry");
        }
        Set<String> slotNodes = new HashSet<>();
        for (int i = 0; i < array.slotCount(); i++) {
            Slot slot = array.slot(i);
            if (slot.getSlotIndex() != i || !slotNodes.add(slot.getNodeId())) {
                throw new IllegalStateException("slot " + i + " is misnumbered or shares its node id");
            }
        }
        if (array.liveCount() < array.dataShards()) {
            throw new IllegalStateException(
                    array.liveCount() + " LIVE slots, fewer than k=" + array.dataShards() + ": deaths are capped");
        }
        for (DeathSuspicion suspicion : deathSuspicions.toProto()) {
            Slot slot = array.slot(suspicion.getSlotIndex());
            if (!slot.getNodeId().equals(suspicion.getNodeId())
                    || slot.getState() == SlotState.SLOT_DEAD
                    || !cacheNodes.contains(suspicion.getReporterCacheNodeId())) {
                throw new IllegalStateException("a death suspicion on slot " + slot.getSlotIndex()
                        + " names another server, a dead slot or an unregistered reporter");
            }
        }
        checkScalars();
    }

    /** Checks the bounds a valid bootstrap and later commands keep; matters for restored snapshots. */
    private void checkScalars() {
        int k = array.dataShards();
        int m = array.parityShards();
        if (k < 1 || m < 0 || k + m > Limits.SHARDS_PER_STRIPE_MAX) {
            throw new IllegalStateException("geometry k=" + k + ", m=" + m + " is out of bounds");
        }
        if (stripes.stripeCount() < 1 || stripes.stripeCount() > Limits.STRIPE_COUNT_MAX) {
            throw new IllegalStateException("stripe count " + stripes.stripeCount() + " is out of bounds");
        }
        for (Slot slot : array.slots()) {
            if (slot.getState() == SlotState.SLOT_STATE_UNSPECIFIED || slot.getState() == SlotState.UNRECOGNIZED) {
                throw new IllegalStateException("slot " + slot.getSlotIndex() + " has no state");
            }
            if (slot.getState() == SlotState.SLOT_DEAD && !array.deadNodeIds().contains(slot.getNodeId())) {
                throw new IllegalStateException("dead slot " + slot.getSlotIndex() + " has no death record");
            }
        }
        if (!keys.has(keys.currentEpoch())) {
            throw new IllegalStateException("no key for the current epoch " + keys.currentEpoch());
        }
        for (ByteString key : keys.byEpoch().values()) {
            if (!InputRules.isDataKey(key)) {
                throw new IllegalStateException("a data key is not " + Limits.DATA_KEY_BYTES + " usable bytes");
            }
        }
        if (cacheNodes.size() > Limits.CACHE_NODES_MAX) {
            throw new IllegalStateException(cacheNodes.size() + " cache nodes");
        }
        String policyProblem = MeasurementPolicy.problem(policy.toProto());
        if (policyProblem != null) {
            throw new IllegalStateException(policyProblem);
        }
        if (window.size() > Limits.IDEMPOTENCY_WINDOW_ENTRIES) {
            throw new IllegalStateException(window.size() + " idempotency entries");
        }
        if (Long.compareUnsigned(stripes.highWater(), stripes.stripeCount()) > 0) {
            throw new IllegalStateException("stripe high water above the stripe count");
        }
    }

    /** Claims are disjoint subsets of pending trim, held only by registered nodes. */
    private void checkTrimClaims() {
        Set<Long> seen = new HashSet<>();
        for (Map.Entry<String, TreeSet<Long>> claim : stripes.trimClaims().entrySet()) {
            if (!cacheNodes.contains(claim.getKey())) {
                throw new IllegalStateException("unregistered node " + claim.getKey() + " holds trim claims");
            }
            if (claim.getValue().isEmpty()) {
                throw new IllegalStateException("empty trim claim entry for " + claim.getKey());
            }
            for (long stripe : claim.getValue()) {
                if (!stripes.isPendingTrim(stripe) || !seen.add(stripe)) {
                    throw new IllegalStateException("stripe " + stripe + " claimed by " + claim.getKey()
                            + " is not pending trim or is claimed twice");
                }
            }
        }
        if (seen.size() != stripes.trimClaimedTotal()) {
            throw new IllegalStateException(
                    "trim claim index holds " + stripes.trimClaimedTotal() + " stripes, not " + seen.size());
        }
    }

    private void checkStripePartition() {
        long highWater = stripes.highWater();
        Map<Long, String> owner = new HashMap<>();
        for (long stripe : stripes.free()) {
            claim(owner, stripe, "free", highWater);
        }
        for (long stripe : stripes.pendingTrim()) {
            claim(owner, stripe, "pending trim", highWater);
        }
        int reservedTotal = 0;
        for (Map.Entry<String, TreeSet<Long>> reservation :
                stripes.reservations().entrySet()) {
            if (reservation.getValue().isEmpty()) {
                throw new IllegalStateException("empty reservation entry for " + reservation.getKey());
            }
            for (long stripe : reservation.getValue()) {
                claim(owner, stripe, "reserved by " + reservation.getKey(), highWater);
            }
            reservedTotal += reservation.getValue().size();
        }
        if (reservedTotal != stripes.reservedTotal()) {
            throw new IllegalStateException("reserved count " + stripes.reservedTotal() + " != " + reservedTotal);
        }
        for (Tablet tablet : ring.byId()) {
            for (TabletBlob blob : tablet.blobs()) {
                for (long stripe : blob.getStripesList()) {
                    claim(owner, stripe, "used by tablet " + tablet.id(), highWater);
                }
            }
        }
        if (owner.size() != highWater) {
            List<Long> leaked = new ArrayList<>();
            for (long s = 0; s < highWater && leaked.size() < 8; s++) {
                if (!owner.containsKey(s)) {
                    leaked.add(s);
                }
            }
            throw new IllegalStateException("stripes below the high water in no state, e.g. " + leaked);
        }
    }

    private static void claim(Map<Long, String> owner, long stripe, String state, long highWater) {
        if (Long.compareUnsigned(stripe, highWater) >= 0) {
            throw new IllegalStateException("stripe " + stripe + " (" + state + ") is at or above the high water");
        }
        String previous = owner.put(stripe, state);
        if (previous != null) {
            throw new IllegalStateException("stripe " + stripe + " is both " + previous + " and " + state);
        }
    }
}
