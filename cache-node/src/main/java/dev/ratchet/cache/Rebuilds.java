package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import dev.ratchet.client.proto.RebuildStatus;
import dev.ratchet.sector.array.RebuildProgress;
import dev.ratchet.sector.array.SectorArray;
import dev.ratchet.sector.array.SectorDevice;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.AssignReplacement;
import dev.ratchet.tablet.proto.AssignReplacementResult;
import dev.ratchet.tablet.proto.MarkSlotRebuilt;
import dev.ratchet.tablet.proto.MarkSlotRebuiltResult;
import dev.ratchet.tablet.proto.Result;
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
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds of dead slots run by this node, and their progress for the Status RPC.
 *
 * <p>A rebuild: the slot must be DEAD in the store; AssignReplacement puts the fresh server in
 * it (REBUILDING); the signed writer set is installed on it; the live stripes of every tablet (from
 * one linearizable Ring query, with their pinned digests) are decoded onto it by the array, each
 * shard checked against its digest before and after writing; then MarkSlotRebuilt makes it LIVE.
 * Trims pause meanwhile, because stripes the rebuild was given may go to pending trim during it.
 */
final class Rebuilds {
    private static final Logger log = LoggerFactory.getLogger(Rebuilds.class);

    /** Opens an attested device for a sector server. */
    interface DeviceOpener {
        SectorDevice open(String nodeId, String address) throws SSLException;
    }

    private final TabletDirectory directory;
    private final SectorArray array;
    private final SlotWatch slots;
    private final WriterSetPush writerSets;
    private final Trimmer trimmer;
    private final Executor workers;
    private final DeviceOpener opener;
    private final Map<Integer, RebuildStatus> running = new ConcurrentHashMap<>();

    Rebuilds(
            TabletDirectory directory,
            SectorArray array,
            SlotWatch slots,
            WriterSetPush writerSets,
            Trimmer trimmer,
            Executor workers,
            DeviceOpener opener) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.array = Objects.requireNonNull(array, "array");
        this.slots = Objects.requireNonNull(slots, "slots");
        this.writerSets = Objects.requireNonNull(writerSets, "writerSets");
        this.trimmer = Objects.requireNonNull(trimmer, "trimmer");
        this.workers = Objects.requireNonNull(workers, "workers");
        this.opener = Objects.requireNonNull(opener, "opener");
    }

    /** Returns the rebuilds running now, by slot. */
    List<RebuildStatus> runningNow() {
        return List.copyOf(running.values());
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
            throw new IllegalArgumentException("slot " + slot + " is not in the array");
        }
        if (view.getSlots(slot).getState() != SlotState.SLOT_DEAD) {
            throw new IllegalStateException("slot " + slot + " is "
                    + view.getSlots(slot).getState() + " in the tablet store; only a DEAD slot can be rebuilt");
        }
        slots.follow(view);
        slots.beginOwnRebuild(slot);
        try {
            return rebuildOwned(slot, nodeId, address, progress);
        } finally {
            slots.endOwnRebuild(slot);
        }
    }

    private RebuildStatus rebuildOwned(int slot, String nodeId, String address, Consumer<RebuildStatus> progress) {
        assign(slot, nodeId, address);
        writerSets.install(nodeId, address, directory.authorizedWriters());
        SectorDevice device;
        try {
            device = opener.open(nodeId, address);
        } catch (SSLException e) {
            throw new IllegalStateException("cannot open a channel to " + nodeId, e);
        }
        trimmer.pause();
        try {
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
            running.put(slot, status(slot, new RebuildProgress(0, stripes.size(), 0)));
            RebuildProgress done;
            try {
                done = array.rebuild(
                                slot,
                                device,
                                stripes.stream().mapToLong(Long::longValue).toArray(),
                                digests,
                                step -> {
                                    RebuildStatus now = status(slot, step);
                                    running.put(slot, now);
                                    progress.accept(now);
                                })
                        .join();
            } catch (RuntimeException e) {
                device.close();
                throw e;
            }
            markRebuilt(slot, nodeId);
            log.warn("slot {} rebuilt onto {}: {} stripes", slot, nodeId, done.stripesTotal());
            return status(slot, done);
        } finally {
            running.remove(slot);
            trimmer.resume();
        }
    }

    private void assign(int slot, String nodeId, String address) {
        Result result = directory.submit(directory
                .command()
                .setAssignReplacement(AssignReplacement.newBuilder()
                        .setSlotIndex(slot)
                        .setReplacement(
                                SlotAssignment.newBuilder().setNodeId(nodeId).setAddress(address)))
                .build());
        if (result.getAssignReplacement().getStatus() != AssignReplacementResult.Status.OK) {
            throw new IllegalStateException("AssignReplacement was refused: " + result.getAssignReplacement());
        }
    }

    private void markRebuilt(int slot, String nodeId) {
        Result result = directory.submit(directory
                .command()
                .setMarkSlotRebuilt(
                        MarkSlotRebuilt.newBuilder().setSlotIndex(slot).setExpectedNodeId(nodeId))
                .build());
        if (result.getMarkSlotRebuilt().getStatus() != MarkSlotRebuiltResult.Status.OK) {
            throw new IllegalStateException("MarkSlotRebuilt was refused: " + result.getMarkSlotRebuilt());
        }
    }

    private static RebuildStatus status(int slot, RebuildProgress progress) {
        return RebuildStatus.newBuilder()
                .setSlotIndex(slot)
                .setStripesDone(progress.stripesDone())
                .setStripesTotal(progress.stripesTotal())
                .setMegabytesPerSecond(progress.megabytesPerSecond())
                .build();
    }
}
