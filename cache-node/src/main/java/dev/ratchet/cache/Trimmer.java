package dev.ratchet.cache;

import dev.ratchet.sector.array.SectorArray;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.ConfirmTrimmed;
import dev.ratchet.tablet.proto.ConfirmTrimmedResult;
import dev.ratchet.tablet.proto.Result;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zeroes the stripes the tablet store lists as pending trim (old versions' blobs, released
 * reservations, whatever a dead cache node left) on every writable sector server, then confirms
 * them so the store can hand them out again (key erasure: freed ciphertext does not linger).
 *
 * <p>It works from the store's list, not from its own memory, so any cache node finishes any
 * other's trims. Before zeroing anything it makes sure every server holds the current writer
 * set, so a removed cache node that is still running cannot write into stripes that become free.
 * Rounds run one at a time on the given executor, on the node's maintenance
 * timer (once a second), not after every commit: a round costs an ArrayView query and a
 * ConfirmTrimmed commit, which per commit would double the tablet store's load. While a rebuild runs, trims pause: the rebuild reads the stripes it was
 * given, and some of them may go to pending trim meanwhile.
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
    private final AtomicInteger pauses = new AtomicInteger();
    private volatile boolean stopped;

    Trimmer(TabletDirectory directory, SectorArray array, WriterSetPush writerSets, Executor executor) {
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

    /** Stops trimming until the matching {@link #resume()}. */
    void pause() {
        pauses.incrementAndGet();
    }

    void resume() {
        pauses.decrementAndGet();
        kick();
    }

    /** Stops every later round: the node is deregistering, and the store would refuse its confirmations. */
    void stop() {
        stopped = true;
    }

    /** Runs one round now on the caller's thread; returns the stripes confirmed. */
    int roundNow() {
        if (stopped || pauses.get() > 0) {
            return 0;
        }
        ArrayView view = directory.array();
        List<Long> pending = view.getPendingTrimStripesList();
        if (pending.isEmpty()) {
            return 0;
        }
        // After the view: the set queried now excludes every node removed before it, including
        // any whose reservations are in this pending list (see WriterSetPush#ensureInstalledEverywhere).
        if (!writerSets.ensureInstalledEverywhere()) {
            log.warn("not trimming {} stripes: some sector server lacks the current writer set", pending.size());
            return 0;
        }
        List<Long> batch = pending.subList(0, Math.min(pending.size(), ServingLimits.TRIM_BATCH_STRIPES_MAX));
        array.trim(batch.stream().mapToLong(Long::longValue).toArray()).join();
        Result result = confirm(batch);
        if (result.getConfirmTrimmed().getStatus() == ConfirmTrimmedResult.Status.NOT_PENDING_TRIM) {
            // Another cache node confirmed some of them first: confirm what is still pending.
            Set<Long> still = new HashSet<>(directory.array().getPendingTrimStripesList());
            List<Long> remaining = batch.stream().filter(still::contains).toList();
            if (!remaining.isEmpty()) {
                result = confirm(remaining);
            }
        }
        if (result.getConfirmTrimmed().getStatus() != ConfirmTrimmedResult.Status.OK
                && result.getConfirmTrimmed().getStatus() != ConfirmTrimmedResult.Status.NOT_PENDING_TRIM) {
            log.warn("confirming trimmed stripes was refused: {}", result.getConfirmTrimmed());
            return 0;
        }
        return batch.size();
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
