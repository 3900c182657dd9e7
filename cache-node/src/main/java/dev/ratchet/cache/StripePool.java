package dev.ratchet.cache;

import dev.ratchet.client.proto.KvError;
import dev.ratchet.tablet.proto.ReleaseStripes;
import dev.ratchet.tablet.proto.ReleaseStripesResult;
import dev.ratchet.tablet.proto.ReserveStripes;
import dev.ratchet.tablet.proto.ReserveStripesResult;
import dev.ratchet.tablet.proto.Result;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stripes this cache node holds reserved in the tablet store, from which every new tablet
 * version takes fresh stripes (copy-on-write: a version is never written over the stripes of a
 * committed one).
 *
 * <p>Stripes written for a commit that lost a version race are given back and reused: they are
 * still reserved by this node and nothing committed points at them, so overwriting them is safe.
 * Stripes of a commit whose outcome is unknown are held apart (the commit may have taken them)
 * until the store's state shows it can no longer apply; those it did not take then come back
 * here ({@link UnsettledCommits}).
 *
 * <p>When fewer than {@link #LOW_WATER_STRIPES} are left after a take, a reservation runs in the
 * background. Thread-safe; reservations happen under the pool's lock, so concurrent takers wait for one
 * Raft commit instead of each reserving.
 */
final class StripePool {
    private static final Logger log = LoggerFactory.getLogger(StripePool.class);

    /** Free stripes below which a background reservation tops the pool up: half a chunk. */
    static final int LOW_WATER_STRIPES = ServingLimits.RESERVE_CHUNK_STRIPES / 2;

    private final TabletDirectory directory;
    private final Executor executor;
    private final AtomicBoolean toppingUp = new AtomicBoolean();

    /** Reserved stripes not in use. Guarded by {@code this}. */
    private final ArrayDeque<Long> free = new ArrayDeque<>();

    StripePool(TabletDirectory directory, Executor executor) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /**
     * Takes {@code count} reserved stripes, reserving more first if needed.
     *
     * @throws KvException STORAGE_FULL if the array has no free stripes left
     */
    synchronized long[] take(int count) {
        if (count < 0 || count > ServingLimits.STRIPES_PER_TABLET_MAX) {
            throw new IllegalArgumentException("stripes wanted: " + count);
        }
        while (free.size() < count) {
            reserve(Math.max(ServingLimits.RESERVE_CHUNK_STRIPES, count - free.size()));
        }
        long[] taken = new long[count];
        for (int i = 0; i < count; i++) {
            taken[i] = free.removeFirst();
        }
        if (free.size() < LOW_WATER_STRIPES && toppingUp.compareAndSet(false, true)) {
            // Replenish off the write path, so the next flush rarely waits for a reservation.
            executor.execute(this::topUp);
        }
        return taken;
    }

    private void topUp() {
        try {
            synchronized (this) {
                if (free.size() < LOW_WATER_STRIPES) {
                    reserve(ServingLimits.RESERVE_CHUNK_STRIPES);
                }
            }
        } catch (RuntimeException e) {
            log.warn("topping up the stripe pool failed; the next write reserves itself: {}", e.getMessage());
        } finally {
            toppingUp.set(false);
        }
    }

    /** Returns stripes taken but not committed, for reuse. */
    synchronized void giveBack(long[] stripes) {
        for (long stripe : stripes) {
            free.addFirst(stripe);
        }
    }

    /** Returns the number of reserved stripes not in use. */
    synchronized int freeCount() {
        return free.size();
    }

    /** Releases every unused stripe to the store (they go to pending trim); for a clean close. */
    synchronized void releaseAll() {
        if (free.isEmpty()) {
            return;
        }
        List<Long> stripes = new ArrayList<>(free);
        free.clear();
        Result result = directory.submit(directory
                .command()
                .setReleaseStripes(ReleaseStripes.newBuilder()
                        .setCacheNodeId(directory.nodeId())
                        .addAllStripes(stripes))
                .build());
        if (result.getReleaseStripes().getStatus() != ReleaseStripesResult.Status.OK) {
            log.warn("releasing {} stripes was refused: {}", stripes.size(), result);
        }
    }

    private void reserve(int count) {
        Result result = directory.submit(directory
                .command()
                .setReserveStripes(ReserveStripes.newBuilder()
                        .setCacheNodeId(directory.nodeId())
                        .setStripeCount(count))
                .build());
        ReserveStripesResult reserved = result.getReserveStripes();
        switch (reserved.getStatus()) {
            case OK -> free.addAll(reserved.getStripesList());
            case NOT_ENOUGH_FREE_STRIPES ->
                throw new KvException(KvError.STORAGE_FULL, "the array has no free stripes: " + reserved.getDetail());
            default ->
                throw new KvException(
                        KvError.NOT_SERVING, "reserving stripes was refused: " + reserved.getStatus() + " " + result);
        }
    }
}
