package dev.ratchet.sector.array;

import dev.ratchet.sector.codec.CauchyCode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Writing or trimming one batch of whole stripes on every writable slot.
 *
 * <p>A batch is done only when every LIVE and REBUILDING slot acknowledged it; DEAD slots are
 * skipped. If any writable slot fails, the batch fails with an {@link ArrayWriteException} naming
 * every slot that failed, after all the batch's calls have settled.
 */
final class StripeBatchWrite {
    private StripeBatchWrite() {}

    /**
     * Encodes the batch's stripes of {@code blob}, stores their shard digests into {@code digestsOut}
     * (stripe-major over the caller's whole stripe list), and writes the shards.
     */
    static CompletableFuture<Void> write(
            StripeLayout layout,
            CauchyCode code,
            SlotCalls calls,
            StripeBatch batch,
            Slot[] slots,
            byte[] blob,
            byte[][] digestsOut) {
        byte[][][] shards = encode(layout, code, batch, blob);
        for (int i = 0; i < batch.size(); i++) {
            for (int s = 0; s < layout.slotCount(); s++) {
                digestsOut[layout.digestIndex(batch.position(i), s)] =
                        ShardDigest.of(batch.sectorIndices()[i], s, shards[i][s]);
            }
        }
        return onEveryWritableSlot(calls, slots, batch, "write", slot -> {
            List<byte[]> sectors = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                sectors.add(shards[i][slot.index()]);
            }
            return calls.write(slot, batch.sectorIndices(), sectors);
        });
    }

    /** Zeroes the batch's sectors on every writable slot. */
    static CompletableFuture<Void> trim(SlotCalls calls, StripeBatch batch, Slot[] slots) {
        return onEveryWritableSlot(calls, slots, batch, "trim", slot -> calls.trim(slot, batch.sectorIndices()));
    }

    /** Returns, per stripe of the batch and per slot, the shard in wire form. */
    static byte[][][] encode(StripeLayout layout, CauchyCode code, StripeBatch batch, byte[] blob) {
        int k = layout.dataSlotCount();
        long[][][] data = new long[k][][];
        long[][][] parity = new long[layout.paritySlotCount()][][];
        for (int i = 0; i < k; i++) {
            data[i] = CauchyCode.newSector();
        }
        for (int j = 0; j < parity.length; j++) {
            parity[j] = CauchyCode.newSector();
        }
        byte[][][] shards = new byte[batch.size()][layout.slotCount()][];
        for (int i = 0; i < batch.size(); i++) {
            for (int d = 0; d < k; d++) {
                shards[i][d] = layout.dataShard(blob, batch.position(i), d);
                CauchyCode.readSector(shards[i][d], 0, data[d]);
            }
            code.encode(data, parity);
            for (int j = 0; j < parity.length; j++) {
                shards[i][k + j] = new byte[CauchyCode.SECTOR_SIZE_BYTES];
                CauchyCode.writeSector(parity[j], shards[i][k + j], 0);
            }
        }
        return shards;
    }

    private static CompletableFuture<Void> onEveryWritableSlot(
            SlotCalls calls,
            Slot[] slots,
            StripeBatch batch,
            String operation,
            Function<Slot, CompletableFuture<Void>> call) {
        List<CompletableFuture<ShardFault>> outcomes = new ArrayList<>();
        for (Slot slot : slots) {
            if (slot.writable()) {
                outcomes.add(call.apply(slot).handle((ignored, failure) -> {
                    if (failure == null) {
                        return null;
                    }
                    ShardFault fault = SlotCalls.faultOf(slot, batch.sectorIndices()[0], failure);
                    calls.report(slot, fault);
                    return fault;
                }));
            }
        }
        return CompletableFuture.allOf(outcomes.toArray(new CompletableFuture<?>[0]))
                .thenRun(() -> {
                    List<ShardFault> faults = new ArrayList<>();
                    for (CompletableFuture<ShardFault> outcome : outcomes) {
                        ShardFault fault = outcome.join();
                        if (fault != null) {
                            faults.add(fault);
                        }
                    }
                    if (!faults.isEmpty()) {
                        throw new ArrayWriteException(
                                operation + " of stripes " + batch.sectorIndices()[0] + ".. failed on " + faults.size()
                                        + " slot(s)",
                                faults);
                    }
                });
    }
}
