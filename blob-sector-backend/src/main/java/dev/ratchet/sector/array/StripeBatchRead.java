package dev.ratchet.sector.array;

import dev.ratchet.sector.codec.CauchyCode;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Reading one batch of stripes: fetch k shards per stripe, check each against its pinned digest,
 * fetch more on every bad one, and decode the wanted shards that were not fetched good.
 *
 * <p>Each round asks every slot at most once, for all the batch's stripes that need that slot, so a
 * batch costs k device calls when nothing is wrong. A shard is bad when its slot is not LIVE, its
 * call failed (timeout, refusal, bad proof, malformed reply) or it does not match its digest; a bad
 * shard is an erasure and its slot is not asked again for that stripe. A stripe fails when fewer
 * than k untried slots could still make up k good shards. Decoded shards are checked against their
 * pinned digests too, so no shard leaves this class unless it matches its digest.
 *
 * <p>Not thread-safe by itself: the round's outcomes are applied in one stage after all its calls
 * completed, on the codec executor.
 */
final class StripeBatchRead {
    private final StripeLayout layout;
    private final CauchyCode code;
    private final SlotCalls calls;
    private final Executor executor;
    private final StripeBatch batch;
    private final Slot[] slots;
    private final List<byte[]> digests;
    private boolean digestsUnchecked;
    private final long wantedSlots;

    /** Per stripe of the batch: slots whose shard matched its digest. */
    private final long[] good;

    /** Per stripe of the batch: slots known bad. */
    private final long[] bad;

    /** Per stripe of the batch, per slot: the good or decoded shard, else null. */
    private final byte[][][] shards;

    private final List<List<ShardFault>> faults;

    /**
     * Per stripe of the batch: digest mismatches not yet reported, because they blame a server
     * only once k other shards of the stripe matched their digests (see {@link #attribute}).
     */
    private final List<List<ShardFault>> unattributed;

    /**
     * Creates the read of one batch.
     *
     * @param slots a snapshot of the slot table
     * @param digests the pinned digests of the caller's whole stripe list, stripe-major
     * @param wantedSlots the slots whose shards the caller needs
     */
    StripeBatchRead(
            StripeLayout layout,
            CauchyCode code,
            SlotCalls calls,
            Executor executor,
            StripeBatch batch,
            Slot[] slots,
            List<byte[]> digests,
            long wantedSlots) {
        this.layout = layout;
        this.code = code;
        this.calls = calls;
        this.executor = executor;
        this.batch = batch;
        this.slots = slots;
        this.digests = digests;
        this.wantedSlots = wantedSlots;
        this.good = new long[batch.size()];
        this.bad = new long[batch.size()];
        this.shards = new byte[batch.size()][layout.slotCount()][];
        this.faults = new ArrayList<>(batch.size());
        this.unattributed = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            faults.add(new ArrayList<>());
            unattributed.add(new ArrayList<>());
        }
    }

    /** Returns, per stripe of the batch and per slot, the shard; every wanted slot's is present and verified. */
    CompletableFuture<byte[][][]> run() {
        for (Slot slot : slots) {
            if (!slot.readable()) {
                for (int i = 0; i < batch.size(); i++) {
                    markBad(
                            i,
                            new ShardFault(
                                    slot.index(),
                                    slot.device().nodeId(),
                                    batch.sectorIndices()[i],
                                    ShardFault.Kind.SLOT_NOT_LIVE,
                                    "slot is " + slot.state()));
                }
            }
        }
        return round();
    }

    private CompletableFuture<byte[][][]> round() {
        List<List<Integer>> stripesPerSlot = new ArrayList<>(layout.slotCount());
        for (int s = 0; s < layout.slotCount(); s++) {
            stripesPerSlot.add(new ArrayList<>());
        }
        for (int i = 0; i < batch.size(); i++) {
            if (complete(i)) {
                attribute(i);
                continue;
            }
            OptionalLong next =
                    ShardChoice.next(layout.dataSlotCount(), layout.allSlotsMask() & ~(good[i] | bad[i]), good[i]);
            if (next.isEmpty()) {
                return CompletableFuture.failedFuture(tooManyBad(i));
            }
            for (long chosen = next.getAsLong(); chosen != 0; chosen &= chosen - 1) {
                stripesPerSlot.get(Long.numberOfTrailingZeros(chosen)).add(i);
            }
        }
        List<CompletableFuture<Runnable>> outcomes = new ArrayList<>();
        for (int s = 0; s < layout.slotCount(); s++) {
            if (!stripesPerSlot.get(s).isEmpty()) {
                outcomes.add(fetch(slots[s], stripesPerSlot.get(s)));
            }
        }
        if (outcomes.isEmpty()) {
            return decodeMissing();
        }
        return CompletableFuture.allOf(outcomes.toArray(new CompletableFuture<?>[0]))
                .thenComposeAsync(
                        ignored -> {
                            outcomes.forEach(outcome -> outcome.join().run());
                            return round();
                        },
                        executor);
    }

    /** Fetches a slot's shards of some stripes; the result applies the outcome when run, and never fails. */
    private CompletableFuture<Runnable> fetch(Slot slot, List<Integer> stripes) {
        long[] sectorIndices = new long[stripes.size()];
        for (int r = 0; r < stripes.size(); r++) {
            sectorIndices[r] = batch.sectorIndices()[stripes.get(r)];
        }
        return calls.read(slot, sectorIndices).handle((replies, failure) -> () -> {
            for (int r = 0; r < stripes.size(); r++) {
                int i = stripes.get(r);
                if (failure != null) {
                    markBad(i, SlotCalls.faultOf(slot, sectorIndices[r], failure));
                } else {
                    accept(i, slot, replies.get(r));
                }
            }
        });
    }

    /** The negative control's read ({@link SectorArray.Builder#uncheckedShardDigestsForNegativeControl}). */
    void skipDigestChecks() {
        digestsUnchecked = true;
    }

    private void accept(int i, Slot slot, byte[] shard) {
        long sectorIndex = batch.sectorIndices()[i];
        if (digestsUnchecked || ShardDigest.matches(pinnedDigest(i, slot.index()), sectorIndex, slot.index(), shard)) {
            good[i] |= 1L << slot.index();
            shards[i][slot.index()] = shard;
            return;
        }
        markBad(
                i,
                new ShardFault(
                        slot.index(),
                        slot.device().nodeId(),
                        sectorIndex,
                        ShardFault.Kind.DIGEST_MISMATCH,
                        "shard does not match its pinned digest (stale, corrupt or misdirected)"));
    }

    private void markBad(int i, ShardFault fault) {
        bad[i] |= 1L << fault.slot();
        faults.get(i).add(fault);
        if (fault.kind() == ShardFault.Kind.DIGEST_MISMATCH) {
            unattributed.get(i).add(fault);
        } else {
            calls.report(slots[fault.slot()], fault);
        }
    }

    /**
     * Reports stripe i's digest mismatches once the stripe is complete, if k of its shards matched:
     * an MDS code's stripe is fixed by any k shards, so then the pins are the stripe's current
     * content and a mismatching shard is its server's fault (stale, corrupt, a lie). With fewer
     * good shards every mismatch may instead mean the caller's pins are stale (the stripe was
     * trimmed and reused since it read them), which blames no server: those stay in the failure's
     * fault list only. The slot watch counts reported lies towards a death, so this is what keeps
     * a reader's stale view from killing servers.
     */
    private void attribute(int i) {
        List<ShardFault> pending = unattributed.get(i);
        if (pending.isEmpty()) {
            return;
        }
        if (Long.bitCount(good[i]) >= layout.dataSlotCount()) {
            for (ShardFault fault : pending) {
                calls.report(slots[fault.slot()], fault);
            }
        }
        pending.clear();
    }

    /** Returns whether stripe i has every wanted shard, or k good shards to decode the rest from. */
    private boolean complete(int i) {
        return (wantedSlots & ~good[i]) == 0 || Long.bitCount(good[i]) >= layout.dataSlotCount();
    }

    private CompletableFuture<byte[][][]> decodeMissing() {
        try {
            for (int i = 0; i < batch.size(); i++) {
                if ((wantedSlots & ~good[i]) != 0) {
                    decode(i);
                }
            }
            return CompletableFuture.completedFuture(shards);
        } catch (ArrayReadException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void decode(int i) {
        long[][][] stripe = new long[layout.slotCount()][][];
        for (int s = 0; s < layout.slotCount(); s++) {
            stripe[s] = CauchyCode.newSector();
            if (shards[i][s] != null) {
                CauchyCode.readSector(shards[i][s], 0, stripe[s]);
            }
        }
        code.decode(stripe, ShardChoice.erasures(layout.allSlotsMask(), good[i], layout.dataSlotCount()));
        long sectorIndex = batch.sectorIndices()[i];
        for (long missing = wantedSlots & ~good[i]; missing != 0; missing &= missing - 1) {
            int s = Long.numberOfTrailingZeros(missing);
            byte[] shard = new byte[CauchyCode.SECTOR_SIZE_BYTES];
            CauchyCode.writeSector(stripe[s], shard, 0);
            if (!digestsUnchecked && !ShardDigest.matches(pinnedDigest(i, s), sectorIndex, s, shard)) {
                faults.get(i)
                        .add(new ShardFault(
                                s, null, sectorIndex, ShardFault.Kind.DECODE_MISMATCH, "decoded shard does not match"));
                throw new ArrayReadException(
                        sectorIndex, "a decoded shard does not match its pinned digest", faults.get(i));
            }
            shards[i][s] = shard;
        }
    }

    private ArrayReadException tooManyBad(int i) {
        return new ArrayReadException(
                batch.sectorIndices()[i],
                Long.bitCount(bad[i]) + " of " + layout.slotCount() + " shards are bad, and the code needs "
                        + layout.dataSlotCount() + " good ones",
                faults.get(i));
    }

    private byte[] pinnedDigest(int i, int slot) {
        return digests.get(layout.digestIndex(batch.position(i), slot));
    }
}
