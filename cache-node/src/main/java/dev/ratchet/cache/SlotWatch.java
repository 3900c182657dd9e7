package dev.ratchet.cache;

import static dev.ratchet.tablet.proto.SlotState.SLOT_DEAD;

import dev.ratchet.sector.array.ArrayHealth;
import dev.ratchet.sector.array.SectorArray;
import dev.ratchet.sector.array.SectorDevice;
import dev.ratchet.sector.array.ShardFault;
import dev.ratchet.sector.array.SlotState;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.MarkSlotDead;
import dev.ratchet.tablet.proto.MarkSlotDeadResult;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.Slot;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the sector servers through the array's fault reports: logs every server that lied (a
 * bad proof, a malformed reply, a shard that does not match its pinned digest: stale, corrupt or
 * misdirected), and reports a server dead to the tablet store once it was unavailable {@value
 * ServingLimits#UNAVAILABLE_STRIKES_MAX} times within {@link #STRIKE_WINDOW_NANOS}, then applies
 * the death record locally. It also applies the death records other cache nodes committed.
 *
 * <p>A death is always decided by a tablet-store command (with the next death-record version), so
 * every cache node applies the same deaths in the same order; the local array only follows.
 *
 * <p>Thread-safe. {@link #onFault} is the array's fault listener and only counts; the report runs
 * on the given executor.
 */
final class SlotWatch {
    private static final Logger log = LoggerFactory.getLogger(SlotWatch.class);

    /** Strikes older than this are forgotten: 10 s, so a brief network blip never kills a server. */
    static final long STRIKE_WINDOW_NANOS = 10_000_000_000L;

    private final TabletDirectory directory;
    private final Executor executor;
    private final WriterSetPush writerSets;
    private final int slotCount;
    private final Rebuilds.DeviceOpener opener;

    /** Slots this node is rebuilding itself: never adopted from the view. */
    private final java.util.Set<Integer> ownRebuilds = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Set once the array exists (the array takes this watch's listener at build). */
    private volatile SectorArray array;

    /** Per slot: strikes, and when the first counted one happened. Guarded by {@code this}. */
    private final int[] strikes;

    private final long[] firstStrikeNanos;

    SlotWatch(
            TabletDirectory directory,
            Executor executor,
            WriterSetPush writerSets,
            int slotCount,
            Rebuilds.DeviceOpener opener) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.writerSets = Objects.requireNonNull(writerSets, "writerSets");
        this.slotCount = slotCount;
        this.strikes = new int[slotCount];
        this.firstStrikeNanos = new long[slotCount];
    }

    void attach(SectorArray sectorArray) {
        this.array = Objects.requireNonNull(sectorArray, "sectorArray");
    }

    /** The array's fault listener: quick, never blocks. */
    void onFault(ShardFault fault) {
        if (fault.kind().isLie()) {
            log.warn(
                    "sector server {} in slot {} answered falsely ({}); decoded around it: {}",
                    fault.nodeId(),
                    fault.slot(),
                    fault.kind(),
                    fault.detail());
            return;
        }
        if (fault.kind() == ShardFault.Kind.UNAVAILABLE && strike(fault.slot())) {
            String nodeId = fault.nodeId();
            executor.execute(() -> reportDeadQuietly(fault.slot(), nodeId));
        }
    }

    /**
     * Called on a failed array write before it is retried: pushes the writer set again if a
     * server did not know this node, and reports dead the servers that struck out, so the retry
     * skips them.
     */
    void afterWriteFailure(List<ShardFault> faults) {
        for (ShardFault fault : faults) {
            if (fault.kind() == ShardFault.Kind.REFUSED
                    && (fault.detail().contains("WRITER_NOT_AUTHORIZED")
                            || fault.detail().contains("AUTHORIZATION_STALE"))) {
                writerSets.pushCurrent();
                return;
            }
        }
        for (ShardFault fault : faults) {
            if (fault.kind() == ShardFault.Kind.UNAVAILABLE && struckOut(fault.slot())) {
                reportDeadQuietly(fault.slot(), fault.nodeId());
            }
        }
    }

    /**
     * Brings the local array in line with {@code view}: applies every death it has not applied,
     * and adopts a server that another cache node put into a slot (REBUILDING or already LIVE),
     * so this node's writes reach it too. Shards such a server lacks (stripes this node wrote
     * before it adopted the server) fail their digests and are decoded around.
     */
    synchronized void follow(ArrayView view) {
        SectorArray local = array;
        for (Slot slot : view.getSlotsList()) {
            int index = slot.getSlotIndex();
            ArrayHealth.SlotHealth mine = local.health().slots().get(index);
            boolean replaced = !slot.getNodeId().equals(mine.nodeId());
            boolean deadThere = slot.getState() == SLOT_DEAD || replaced;
            if (deadThere
                    && mine.state() != SlotState.DEAD
                    && view.getDeathRecordVersion() > mine.deathRecordVersion()) {
                log.warn(
                        "slot {} ({}) is dead in the tablet store; writes skip it, reads decode around it",
                        index,
                        mine.nodeId());
                local.markDead(index, view.getDeathRecordVersion());
            }
            if (replaced
                    && slot.getState() != SLOT_DEAD
                    && !ownRebuilds.contains(index)
                    && local.health().slots().get(index).state() == SlotState.DEAD) {
                adopt(local, slot);
            }
        }
    }

    /** Marks {@code slot} as rebuilt by this node until {@link #endOwnRebuild}. */
    void beginOwnRebuild(int slot) {
        if (!ownRebuilds.add(slot)) {
            throw new IllegalStateException("slot " + slot + " is already being rebuilt by this node");
        }
    }

    void endOwnRebuild(int slot) {
        ownRebuilds.remove(slot);
    }

    private void adopt(SectorArray local, Slot slot) {
        SectorDevice device;
        try {
            device = opener.open(slot.getNodeId(), slot.getAddress());
        } catch (SSLException | RuntimeException e) {
            log.warn("cannot open slot {}'s new server {}: {}", slot.getSlotIndex(), slot.getNodeId(), e.getMessage());
            return;
        }
        // A rebuild of no stripes swaps the device in: DEAD -> REBUILDING -> LIVE.
        local.rebuild(slot.getSlotIndex(), device, new long[0], List.of(), progress -> {})
                .whenComplete((done, failure) -> {
                    if (failure != null) {
                        device.close();
                        log.warn(
                                "adopting slot {}'s new server {} failed: {}",
                                slot.getSlotIndex(),
                                slot.getNodeId(),
                                failure.getMessage());
                    } else {
                        log.warn(
                                "slot {} now served by {} (another cache node replaced its server)",
                                slot.getSlotIndex(),
                                slot.getNodeId());
                    }
                })
                .join();
    }

    /**
     * Reports slot {@code slot}'s server {@code nodeId} dead to the tablet store and applies the
     * record locally; a server already replaced or already dead is left as the store says.
     */
    synchronized void reportDead(int slot, String nodeId) {
        for (int attempt = 0; attempt < 3; attempt++) {
            ArrayView view = directory.array();
            Slot current = view.getSlots(slot);
            if (!current.getNodeId().equals(nodeId) || current.getState() == SLOT_DEAD) {
                follow(view);
                return;
            }
            Result result = directory.submit(directory
                    .command()
                    .setMarkSlotDead(MarkSlotDead.newBuilder()
                            .setSlotIndex(slot)
                            .setExpectedNodeId(nodeId)
                            .setDeathRecordVersion(view.getDeathRecordVersion() + 1))
                    .build());
            MarkSlotDeadResult marked = result.getMarkSlotDead();
            if (marked.getStatus() == MarkSlotDeadResult.Status.OK) {
                log.warn(
                        "sector server {} in slot {} stopped answering; marked it dead (death record {},"
                                + " {} slots degraded)",
                        nodeId,
                        slot,
                        marked.getDeathRecordVersion(),
                        marked.getDegradedSlotCount());
                follow(directory.array());
                resetStrikes(slot);
                return;
            }
            if (marked.getStatus() != MarkSlotDeadResult.Status.STALE_DEATH_VERSION) {
                follow(directory.array());
                return;
            }
        }
    }

    private void reportDeadQuietly(int slot, String nodeId) {
        try {
            reportDead(slot, nodeId);
        } catch (RuntimeException e) {
            log.warn("could not report slot {} ({}) dead: {}", slot, nodeId, e.getMessage());
        }
    }

    private synchronized boolean strike(int slot) {
        if (slot < 0 || slot >= slotCount) {
            return false;
        }
        long now = System.nanoTime();
        if (strikes[slot] == 0 || now - firstStrikeNanos[slot] > STRIKE_WINDOW_NANOS) {
            strikes[slot] = 0;
            firstStrikeNanos[slot] = now;
        }
        strikes[slot]++;
        return strikes[slot] == ServingLimits.UNAVAILABLE_STRIKES_MAX;
    }

    private synchronized boolean struckOut(int slot) {
        return slot >= 0 && slot < slotCount && strikes[slot] >= ServingLimits.UNAVAILABLE_STRIKES_MAX;
    }

    private synchronized void resetStrikes(int slot) {
        strikes[slot] = 0;
    }
}
