package dev.ratchet.sector.array;

import dev.ratchet.sector.codec.CauchyCode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The rebuild of one slot onto a fresh server: for every live stripe, decode the slot's shard from
 * k good shards of the others, check it against its pinned digest, write it to the new server, read
 * it back and check it again.
 *
 * <p>Progress is reported after each batch, in order and never concurrently, through {@link
 * OrderedCallbacks}. The rate is shard bytes written to the new server per second since the start,
 * measured with the injected ticker.
 */
final class SlotRebuild {
    private final StripeLayout layout;
    private final CauchyCode code;
    private final SlotCalls calls;
    private final Executor executor;
    private final Slot target;
    private final long[] liveStripes;
    private final List<byte[]> digests;
    private final Consumer<RebuildProgress> progressListener;
    private final LongSupplier nanoTicker;
    private final Supplier<Slot[]> slotTable;
    private final OrderedCallbacks progressCallbacks = new OrderedCallbacks();
    private final long startNanos;

    /** Stripes verified on the new server; only progress callbacks touch it, one at a time. */
    private long stripesDone;

    /**
     * Creates a rebuild.
     *
     * @param target the REBUILDING slot entry holding the new server
     * @param slotTable returns a snapshot of the slot table, taken per batch
     */
    SlotRebuild(
            StripeLayout layout,
            CauchyCode code,
            SlotCalls calls,
            Executor executor,
            Slot target,
            long[] liveStripes,
            List<byte[]> digests,
            Consumer<RebuildProgress> progressListener,
            LongSupplier nanoTicker,
            Supplier<Slot[]> slotTable) {
        this.layout = layout;
        this.code = code;
        this.calls = calls;
        this.executor = executor;
        this.target = target;
        this.liveStripes = liveStripes;
        this.digests = digests;
        this.progressListener = progressListener;
        this.nanoTicker = nanoTicker;
        this.slotTable = slotTable;
        this.startNanos = nanoTicker.getAsLong();
    }

    /** Rebuilds every live stripe; the result is the final progress. */
    CompletableFuture<RebuildProgress> run(int stripesPerBatch, int stripesInFlightMax) {
        List<StripeBatch> batches = StripeBatch.split(liveStripes, stripesPerBatch);
        if (batches.isEmpty()) {
            progressCallbacks.execute(() -> progressListener.accept(progress(0)));
        }
        return BatchPipeline.run(batches, stripesInFlightMax, this::rebuildBatch)
                .thenApply(ignored -> progress(liveStripes.length));
    }

    private CompletableFuture<Void> rebuildBatch(StripeBatch batch) {
        int slot = target.index();
        StripeBatchRead read =
                new StripeBatchRead(layout, code, calls, executor, batch, slotTable.get(), digests, 1L << slot);
        return read.run()
                .thenCompose(shards -> {
                    List<byte[]> sectors = new ArrayList<>(batch.size());
                    for (byte[][] stripeShards : shards) {
                        sectors.add(stripeShards[slot]);
                    }
                    return calls.write(target, batch.sectorIndices(), sectors);
                })
                .thenCompose(ignored -> calls.read(target, batch.sectorIndices()))
                .handle((readBack, failure) -> {
                    if (failure != null) {
                        throw targetFailure(batch, BatchPipeline.unwrap(failure));
                    }
                    verify(batch, readBack);
                    progressCallbacks.execute(() -> {
                        stripesDone += batch.size();
                        progressListener.accept(progress(stripesDone));
                    });
                    return null;
                });
    }

    private void verify(StripeBatch batch, List<byte[]> readBack) {
        for (int i = 0; i < batch.size(); i++) {
            long sectorIndex = batch.sectorIndices()[i];
            byte[] pinned = digests.get(layout.digestIndex(batch.position(i), target.index()));
            if (!ShardDigest.matches(pinned, sectorIndex, target.index(), readBack.get(i))) {
                ShardFault fault = new ShardFault(
                        target.index(),
                        target.device().nodeId(),
                        sectorIndex,
                        ShardFault.Kind.DIGEST_MISMATCH,
                        "new server returned a different shard than was written");
                calls.report(target, fault);
                throw new ArrayWriteException(
                        "rebuild of slot " + target.index() + " failed verification", List.of(fault));
            }
        }
    }

    /** Returns the typed failure of a batch: a read failure as is, a new-server failure named. */
    private RuntimeException targetFailure(StripeBatch batch, Throwable failure) {
        if (failure instanceof ArrayReadException readFailure) {
            return readFailure;
        }
        if (failure instanceof SectorDeviceException) {
            ShardFault fault = SlotCalls.faultOf(target, batch.sectorIndices()[0], failure);
            calls.report(target, fault);
            return new ArrayWriteException(
                    "rebuild of slot " + target.index() + " failed on the new server", List.of(fault));
        }
        return failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
    }

    private RebuildProgress progress(long done) {
        long elapsedNanos = nanoTicker.getAsLong() - startNanos;
        double bytes = (double) done * CauchyCode.SECTOR_SIZE_BYTES;
        double bytesPerSecond = elapsedNanos > 0 ? bytes * 1e9 / elapsedNanos : 0;
        return new RebuildProgress(done, liveStripes.length, bytesPerSecond);
    }
}
