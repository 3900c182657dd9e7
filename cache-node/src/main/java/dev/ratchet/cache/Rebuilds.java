package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import dev.ratchet.client.proto.KvError;
import dev.ratchet.client.proto.RebuildStatus;
import dev.ratchet.sector.array.RebuildProgress;
import dev.ratchet.sector.array.SectorArray;
import dev.ratchet.sector.array.SectorDevice;
import dev.ratchet.tablet.proto.AbandonRebuild;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.AssignReplacement;
import dev.ratchet.tablet.proto.AssignReplacementResult;
import dev.ratchet.tablet.proto.MarkSlotRebuilt;
import dev.ratchet.tablet.proto.MarkSlotRebuiltResult;
import dev.ratchet.tablet.proto.RecordRebuildProgress;
import dev.ratchet.tablet.proto.RecordRebuildProgressResult;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.Slot;
import dev.ratchet.tablet.proto.SlotAssignment;
import dev.ratchet.tablet.proto.SlotState;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds of dead slots run by this node, and their progress for the Status RPC.
 *
 * <p>A rebuild (ARCHITECTURE.md, "Rebuilds"): the slot must be DEAD in the store;
 * AssignReplacement puts the fresh server in it (REBUILDING), naming this node its rebuilder; the
 * signed writer set is installed on it; the live stripes of every tablet are read from one
 * linearizable Ring query taken after the assignment committed, with their pinned digests, and
 * decoded onto it by the array, each shard checked against its digest before and after writing;
 * then MarkSlotRebuilt makes it LIVE. Three store rules make that copy complete:
 *
 * <ul>
 *   <li>From the assignment on, the store refuses (ARRAY_CHANGED) any blob that skipped the new
 *       server, so every version committed after the snapshot is already on it: each cache node
 *       adopts the server before its next write commits.
 *   <li>While any slot is REBUILDING, no stripe is claimed for trimming, so a stripe of the
 *       snapshot that is superseded meanwhile is neither zeroed nor reused under the copy.
 *   <li>Only the rebuilder ends the rebuild (MarkSlotRebuilt, or AbandonRebuild if it failed), and
 *       its removal from the cluster abandons it, so a crashed rebuilder cannot leave the slot
 *       REBUILDING and trims stopped for ever.
 * </ul>
 *
 * <p>Progress goes to the store ({@code RecordRebuildProgress}, at most once per {@link
 * #PROGRESS_RECORD_INTERVAL_NANOS} and at the end), so every cache node's Status shows it.
 */
final class Rebuilds {
    private static final Logger log = LoggerFactory.getLogger(Rebuilds.class);

    /** Least time between two progress records in the store: 1 s, one Raft entry each. */
    static final long PROGRESS_RECORD_INTERVAL_NANOS = 1_000_000_000L;

    /** Opens an attested device for a sector server. */
    interface DeviceOpener {
        SectorDevice open(String nodeId, String address) throws SSLException;
    }

    private final TabletDirectory directory;
    private final SectorArray array;
    private final SlotWatch slots;
    private final WriterSetPush writerSets;
    private final Executor workers;
    private final DeviceOpener opener;
    private final LongSupplier nanoClock;
    private final Map<Integer, RebuildStatus> running = new ConcurrentHashMap<>();

    Rebuilds(
            TabletDirectory directory,
            SectorArray array,
            SlotWatch slots,
            WriterSetPush writerSets,
            Executor workers,
            DeviceOpener opener,
            LongSupplier nanoClock) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.array = Objects.requireNonNull(array, "array");
        this.slots = Objects.requireNonNull(slots, "slots");
        this.writerSets = Objects.requireNonNull(writerSets, "writerSets");
        this.workers = Objects.requireNonNull(workers, "workers");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /**
     * Returns the rebuilds the store has running, whichever cache node runs them, with this node's
     * own throughput where it is the rebuilder.
     */
    List<RebuildStatus> fromStore(ArrayView view) {
        List<RebuildStatus> rebuilds = new ArrayList<>();
        for (Slot slot : view.getSlotsList()) {
            if (slot.getState() != SlotState.SLOT_REBUILDING) {
                continue;
            }
            RebuildStatus.Builder status = RebuildStatus.newBuilder()
                    .setSlotIndex(slot.getSlotIndex())
                    .setStripesDone(slot.getRebuildStripesDone())
                    .setStripesTotal(slot.getRebuildStripesTotal())
                    .setNodeId(slot.getNodeId())
                    .setRebuilderCacheNodeId(slot.getRebuilderCacheNodeId());
            RebuildStatus mine = running.get(slot.getSlotIndex());
            if (mine != null && slot.getRebuilderCacheNodeId().equals(directory.nodeId())) {
                // This node's own count is fresher than its last record in the store.
                status.setStripesDone(Math.max(mine.getStripesDone(), slot.getRebuildStripesDone()))
                        .setStripesTotal(mine.getStripesTotal())
                        .setMegabytesPerSecond(mine.getMegabytesPerSecond());
            }
            rebuilds.add(status.build());
        }
        return rebuilds;
    }

    CompletableFuture<RebuildStatus> start(int slot, String nodeId, String address, Consumer<RebuildStatus> progress) {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(progress, "progress");
        return CompletableFuture.supplyAsync(() -> run(slot, nodeId, address, progress), workers);
    }

    private RebuildStatus run(int slot, String nodeId, String address, Consumer<RebuildStatus> progress) {
        ArrayView view = directory.array();
        if (slot < 0 || slot >= view.getSlotsCount()) {
            throw new KvException(KvError.REBUILD_REFUSED, "slot " + slot + " is not in the array");
        }
        if (view.getSlots(slot).getState() != SlotState.SLOT_DEAD) {
            throw new KvException(
                    KvError.REBUILD_REFUSED,
                    "slot " + slot + " is " + view.getSlots(slot).getState()
                            + " in the tablet store; only a DEAD slot can be rebuilt");
        }
        slots.follow(view);
        if (!slots.beginOwnRebuild(slot)) {
            throw new KvException(KvError.REBUILD_REFUSED, "slot " + slot + " is already being rebuilt by this node");
        }
        try {
            return rebuildOwned(slot, nodeId, address, progress);
        } finally {
            slots.endOwnRebuild(slot);
        }
    }

    private RebuildStatus rebuildOwned(int slot, String nodeId, String address, Consumer<RebuildStatus> progress) {
        assign(slot, nodeId, address);
        SectorDevice device = null;
        try {
            writerSets.install(nodeId, address, directory.authorizedWriters());
            try {
                device = opener.open(nodeId, address);
            } catch (SSLException e) {
                throw new IllegalStateException("cannot open a channel to " + nodeId, e);
            }
            // After the assignment committed: every version committed later reached the new
            // server (the store refuses blobs that skipped it), so this snapshot is all it lacks.
            List<Long> stripes = new ArrayList<>();
            List<byte[]> digests = new ArrayList<>();
            for (TabletMeta tablet : directory.refreshRing().tablets()) {
                for (TabletBlob blob : TabletBlobs.blobsOf(tablet)) {
                    stripes.addAll(blob.getStripesList());
                    for (ByteString digest : blob.getShardDigestsList()) {
                        digests.add(digest.toByteArray());
                    }
                }
            }
            log.warn("rebuilding slot {} onto {} at {}: {} stripes", slot, nodeId, address, stripes.size());
            ProgressRecorder recorder = new ProgressRecorder(slot, nodeId);
            RebuildStatus first = status(slot, nodeId, new RebuildProgress(0, stripes.size(), 0));
            running.put(slot, first);
            recorder.recordNow(first);
            RebuildProgress done = array.rebuild(
                            slot,
                            device,
                            stripes.stream().mapToLong(Long::longValue).toArray(),
                            digests,
                            step -> {
                                RebuildStatus now = status(slot, nodeId, step);
                                running.put(slot, now);
                                recorder.maybeRecord(now);
                                progress.accept(now);
                            })
                    .join();
            RebuildStatus finished = status(slot, nodeId, done);
            recorder.recordNow(finished);
            markRebuilt(slot, nodeId);
            log.warn("slot {} rebuilt onto {}: {} stripes", slot, nodeId, done.stripesTotal());
            return finished;
        } catch (RuntimeException e) {
            if (device != null) {
                device.close();
            }
            abandonQuietly(slot, nodeId, e);
            throw e;
        } finally {
            running.remove(slot);
        }
    }

    /**
     * Records a rebuild's progress in the store: at once, or at most once per {@link
     * #PROGRESS_RECORD_INTERVAL_NANOS} from the array's progress callback, on the worker pool so
     * the copy never waits for a Raft round trip.
     */
    private final class ProgressRecorder {
        private final int slot;
        private final String nodeId;
        private final AtomicBoolean inFlight = new AtomicBoolean();
        private volatile long lastRecordedNanos;

        ProgressRecorder(int slot, String nodeId) {
            this.slot = slot;
            this.nodeId = nodeId;
        }

        void maybeRecord(RebuildStatus now) {
            if (nanoClock.getAsLong() - lastRecordedNanos < PROGRESS_RECORD_INTERVAL_NANOS
                    || !inFlight.compareAndSet(false, true)) {
                return;
            }
            lastRecordedNanos = nanoClock.getAsLong();
            workers.execute(() -> {
                try {
                    submitProgress(now);
                } catch (RuntimeException e) {
                    log.warn("could not record slot {}'s rebuild progress: {}", slot, e.getMessage());
                } finally {
                    inFlight.set(false);
                }
            });
        }

        void recordNow(RebuildStatus now) {
            lastRecordedNanos = nanoClock.getAsLong();
            submitProgress(now);
        }

        private void submitProgress(RebuildStatus now) {
            Result result = directory.submit(directory
                    .command()
                    .setRecordRebuildProgress(RecordRebuildProgress.newBuilder()
                            .setSlotIndex(slot)
                            .setExpectedNodeId(nodeId)
                            .setRebuilderCacheNodeId(directory.nodeId())
                            .setStripesDone(now.getStripesDone())
                            .setStripesTotal(now.getStripesTotal()))
                    .build());
            RecordRebuildProgressResult recorded = result.getRecordRebuildProgress();
            if (recorded.getStatus() != RecordRebuildProgressResult.Status.OK) {
                // NOT_REBUILDING: the slot died again or this node was removed; the copy fails on
                // its own (the array marks the slot dead when it follows the store).
                throw new IllegalStateException("the store refused the rebuild's progress: " + recorded);
            }
        }
    }

    private void assign(int slot, String nodeId, String address) {
        Result result = directory.submit(directory
                .command()
                .setAssignReplacement(AssignReplacement.newBuilder()
                        .setSlotIndex(slot)
                        .setReplacement(
                                SlotAssignment.newBuilder().setNodeId(nodeId).setAddress(address))
                        .setRebuilderCacheNodeId(directory.nodeId()))
                .build());
        AssignReplacementResult assigned = result.getAssignReplacement();
        if (assigned.getStatus() != AssignReplacementResult.Status.OK) {
            throw new KvException(
                    KvError.REBUILD_REFUSED,
                    "the tablet store refused the replacement: " + assigned.getStatus() + " " + assigned.getDetail());
        }
    }

    private void markRebuilt(int slot, String nodeId) {
        Result result = directory.submit(directory
                .command()
                .setMarkSlotRebuilt(MarkSlotRebuilt.newBuilder()
                        .setSlotIndex(slot)
                        .setExpectedNodeId(nodeId)
                        .setRebuilderCacheNodeId(directory.nodeId()))
                .build());
        if (result.getMarkSlotRebuilt().getStatus() != MarkSlotRebuiltResult.Status.OK) {
            throw new IllegalStateException("MarkSlotRebuilt was refused: " + result.getMarkSlotRebuilt());
        }
    }

    /**
     * Ends a failed rebuild in the store, so the slot is DEAD again (its half-written server's
     * identity too) and trims resume; then follows the store, so this node's array skips the slot.
     */
    private void abandonQuietly(int slot, String nodeId, RuntimeException why) {
        try {
            Result result = directory.submit(directory
                    .command()
                    .setAbandonRebuild(AbandonRebuild.newBuilder()
                            .setSlotIndex(slot)
                            .setExpectedNodeId(nodeId)
                            .setRebuilderCacheNodeId(directory.nodeId()))
                    .build());
            log.warn(
                    "rebuild of slot {} onto {} failed ({}); abandoned in the store: {}",
                    slot,
                    nodeId,
                    why.getMessage(),
                    result.getAbandonRebuild().getStatus());
            slots.catchUp();
        } catch (RuntimeException e) {
            log.warn(
                    "rebuild of slot {} onto {} failed ({}), and abandoning it failed too: {}; it ends when this"
                            + " node is removed",
                    slot,
                    nodeId,
                    why.getMessage(),
                    e.getMessage());
        }
    }

    private static RebuildStatus status(int slot, String nodeId, RebuildProgress progress) {
        return RebuildStatus.newBuilder()
                .setSlotIndex(slot)
                .setStripesDone(progress.stripesDone())
                .setStripesTotal(progress.stripesTotal())
                .setMegabytesPerSecond(progress.megabytesPerSecond())
                .setNodeId(nodeId)
                .build();
    }
}
