package dev.ratchet.cache;

import dev.ratchet.sector.array.SectorArray;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.ClaimTrim;
import dev.ratchet.tablet.proto.ClaimTrimResult;
import dev.ratchet.tablet.proto.ConfirmTrimmed;
import dev.ratchet.tablet.proto.ConfirmTrimmedResult;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.SlotState;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zeroes the stripes the tablet store lists as pending trim (old versions' blobs, released
 * reservations, whatever a dead cache node left) on every writable sector server, then confirms
 * them so the store can hand them out again (key erasure: freed ciphertext does not linger).
 *
 * <p>It works from the store's list, not from its own memory, so any cache node finishes any
 * other's trims. A round first claims its batch in the store ({@code ClaimTrim}): a claimed
 * stripe can be freed only by this node's confirmation, so a round that is slow between choosing
 * its stripes and zeroing them can never zero a stripe that was handed out again (issue 13; see
 * {@code StripeAllocator} in the tablet store). Before zeroing anything it makes sure every server
 * holds the current writer set, so a removed cache node that is still running cannot write into
 * stripes that become free, nor zero stripes whose claim it lost when it was removed.
 * Rounds run one at a time on the given executor, on the node's maintenance
 * timer (once a second), not after every commit: a round costs an ArrayView query and a
 * ConfirmTrimmed commit, which per commit would double the tablet store's load.
 *
 * <p>While any slot is REBUILDING, in whichever cache node's hands, the store claims nothing
 * ({@code REBUILD_RUNNING}): the rebuild copies the stripes live when it began, and some of them
 * go to pending trim meanwhile; zeroed and reused, they would no longer match their digests. A
 * round sees that state in the ArrayView it reads anyway and skips the claim's Raft entry.
 *
 * <p>Thread-safe.
 */
final class Trimmer {
    private static final Logger log = LoggerFactory.getLogger(Trimmer.class);

    private final TabletDirectory directory;
    private final SectorArray array;
    private final WriterSetPush writerSets;
    private final Executor executor;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private final ZeroingStep zeroing;
    private volatile boolean stopped;

    /**
     * The step that zeroes a batch of stripes on the servers, as a seam: production runs it at
     * once; a test can hold it, to stand for a trimmer that was slow between choosing its stripes
     * and zeroing them.
     */
    interface ZeroingStep {
        /** Zeroes {@code stripes} by running {@code zero}, which throws if the array refused. */
        void zero(List<Long> stripes, Runnable zero);

        /** The production step: zero now. */
        ZeroingStep NOW = (stripes, zero) -> zero.run();
    }

    Trimmer(
            TabletDirectory directory,
            SectorArray array,
            WriterSetPush writerSets,
            Executor executor,
            ZeroingStep zeroing) {
        this.zeroing = Objects.requireNonNull(zeroing, "zeroing");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.writerSets = Objects.requireNonNull(writerSets, "writerSets");
        this.array = Objects.requireNonNull(array, "array");
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /** Asks for a round soon; rounds never overlap. */
    void kick() {
        again.set(true);
        if (running.compareAndSet(false, true)) {
            executor.execute(this::rounds);
        }
    }

    /** Stops every later round: the node is deregistering, and the store would refuse its confirmations. */
    void stop() {
        stopped = true;
    }

    /** Runs one round now on the caller's thread; returns the stripes confirmed. */
    int roundNow() {
        if (stopped) {
            return 0;
        }
        ArrayView view = directory.array();
        if (view.getPendingTrimStripesCount() == 0 || rebuilding(view)) {
            return 0; // a query is cheaper than the Raft entry a claim costs
        }
        // The claim comes first: only stripes claimed by this node can be freed by its
        // confirmation, so none of them can be handed to a writer while this round is still
        // about to zero them (see StripeAllocator, "Trim claims").
        List<Long> claimed = claim();
        if (claimed.isEmpty()) {
            return 0;
        }
        // After the claim: the set queried now excludes every node removed before it, including
        // one whose reservations or claims are in this batch (see WriterSetPush#ensureInstalledEverywhere).
        if (!writerSets.ensureInstalledEverywhere()) {
            log.warn("not trimming {} stripes: some sector server lacks the current writer set", claimed.size());
            return 0;
        }
        zeroing.zero(
                claimed,
                () -> array.trim(claimed.stream().mapToLong(Long::longValue).toArray())
                        .join());
        Result result = confirm(claimed);
        if (result.getConfirmTrimmed().getStatus() != ConfirmTrimmedResult.Status.OK) {
            // NOT_CLAIMED: this node was removed meanwhile and its claims went to a peer, which
            // trims them again; anything else is a bug worth seeing.
            log.warn("confirming trimmed stripes was refused: {}", result.getConfirmTrimmed());
            return 0;
        }
        return claimed.size();
    }

    private List<Long> claim() {
        Result result = directory.submit(directory
                .command()
                .setClaimTrim(ClaimTrim.newBuilder()
                        .setCacheNodeId(directory.nodeId())
                        .setStripeCount(ServingLimits.TRIM_BATCH_STRIPES_MAX))
                .build());
        ClaimTrimResult claim = result.getClaimTrim();
        if (claim.getStatus() == ClaimTrimResult.Status.REBUILD_RUNNING) {
            return List.of(); // a rebuild began since the view was read: nothing to trim yet
        }
        if (claim.getStatus() != ClaimTrimResult.Status.OK) {
            log.warn("claiming stripes to trim was refused: {}", claim);
            return List.of();
        }
        return claim.getStripesList();
    }

    private static boolean rebuilding(ArrayView view) {
        return view.getSlotsList().stream().anyMatch(slot -> slot.getState() == SlotState.SLOT_REBUILDING);
    }

    private Result confirm(List<Long> stripes) {
        return directory.submit(directory
                .command()
                .setConfirmTrimmed(ConfirmTrimmed.newBuilder()
                        .setCacheNodeId(directory.nodeId())
                        .addAllStripes(stripes))
                .build());
    }

    private void rounds() {
        try {
            while (again.getAndSet(false)) {
                try {
                    while (roundNow() >= ServingLimits.TRIM_BATCH_STRIPES_MAX) {
                        // a full batch: there may be more
                    }
                } catch (RuntimeException e) {
                    log.warn("trim round failed; the stripes stay pending and are retried: {}", e.getMessage());
                }
            }
        } finally {
            running.set(false);
            if (again.get() && running.compareAndSet(false, true)) {
                executor.execute(this::rounds);
            }
        }
    }
}
