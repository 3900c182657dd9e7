package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import dev.ratchet.client.proto.KvError;
import dev.ratchet.tablet.proto.TabletMeta;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The read path: linearizable gets, batched. Gets wait in one queue; a batch takes up to {@value
 * ServingLimits#READ_BATCH_OPS_MAX} of them, confirms the current version of every tablet they
 * touch with one linearizable TabletsById query (issued after each get arrived, so each answer
 * linearizes at that query), then serves each tablet at that version from the cache of decrypted
 * tablets or from the array. A get whose key its tablet no longer owns is routed by a fresh ring
 * and confirmed again.
 *
 * <p>One batch runs at a time: gets that arrive meanwhile form the next one, the same group
 * commit the write path uses. Thread-safe.
 */
final class TabletReader {
    /** Rounds of re-routing one batch gets when tablets split or merge under it. */
    private static final int ROUTE_ATTEMPTS_MAX = 4;

    private final TabletDirectory directory;
    private final TabletBlobs blobs;
    private final Executor workers;

    /** Guarded by {@code this}. */
    private final ArrayDeque<PendingRead> waiting = new ArrayDeque<>();

    /** Guarded by {@code this}. */
    private boolean active;

    record PendingRead(ByteString key, long position, CompletableFuture<Optional<StoredValue>> answer) {}

    /** {@link SafetyBreak#UNCONFIRMED_READS}: off in every real deployment. */
    private final boolean unconfirmedReads;

    /**
     * A reader. {@code unconfirmedReads} is {@link SafetyBreak#UNCONFIRMED_READS}, a negative
     * control: false in production.
     */
    TabletReader(TabletDirectory directory, TabletBlobs blobs, Executor workers, boolean unconfirmedReads) {
        this.unconfirmedReads = unconfirmedReads;
        this.directory = Objects.requireNonNull(directory, "directory");
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.workers = Objects.requireNonNull(workers, "workers");
    }

    /** Returns the key's current value and version, or empty; fails with a {@link KvException}. */
    CompletableFuture<Optional<StoredValue>> get(ByteString key) {
        PendingRead read = new PendingRead(key, RingPosition.position(key), new CompletableFuture<>());
        boolean start;
        synchronized (this) {
            waiting.addLast(read);
            start = !active;
            active = true;
        }
        if (start) {
            workers.execute(this::drain);
        }
        return read.answer();
    }

    private void drain() {
        List<PendingRead> batch = new ArrayList<>();
        synchronized (this) {
            while (!waiting.isEmpty() && batch.size() < ServingLimits.READ_BATCH_OPS_MAX) {
                batch.add(waiting.removeFirst());
            }
        }
        try {
            serve(batch);
        } catch (RuntimeException e) {
            KvException failure = KvException.of(e);
            for (PendingRead read : batch) {
                read.answer().completeExceptionally(failure);
            }
        } finally {
            boolean more;
            synchronized (this) {
                more = !waiting.isEmpty();
                active = more;
            }
            if (more) {
                workers.execute(this::drain);
            }
        }
    }

    private void serve(List<PendingRead> batch) {
        List<PendingRead> left = batch;
        RingSnapshot ring = directory.ring();
        for (int attempt = 0; attempt < ROUTE_ATTEMPTS_MAX && !left.isEmpty(); attempt++) {
            if (attempt > 0) {
                ring = directory.refreshRing();
            }
            Map<Long, List<PendingRead>> byTablet = new LinkedHashMap<>();
            for (PendingRead read : left) {
                byTablet.computeIfAbsent(ring.tabletFor(read.position()).getTabletId(), id -> new ArrayList<>())
                        .add(read);
            }
            Map<Long, TabletMeta> current =
                    unconfirmedReads ? lastSeen(ring, byTablet.keySet()) : directory.tabletsById(byTablet.keySet());
            List<PendingRead> moved = new ArrayList<>();
            for (Map.Entry<Long, List<PendingRead>> group : byTablet.entrySet()) {
                serveTablet(current.get(group.getKey()), group.getValue(), moved);
            }
            left = moved;
        }
        for (PendingRead read : left) {
            read.answer()
                    .completeExceptionally(
                            new KvException(KvError.NOT_SERVING, "the tablets kept moving under this read"));
        }
    }

    /** The SafetyBreak's read: the versions in this node's last ring, confirmed by nobody. */
    private static Map<Long, TabletMeta> lastSeen(RingSnapshot ring, Collection<Long> ids) {
        Map<Long, TabletMeta> seen = new HashMap<>();
        for (TabletMeta tablet : ring.tablets()) {
            if (ids.contains(tablet.getTabletId())) {
                seen.put(tablet.getTabletId(), tablet);
            }
        }
        return seen;
    }

    /**
     * Loads {@code tablet}; if its blob is unreadable because a newer version was committed
     * meanwhile and the old stripes were already trimmed, loads the newer version instead. That
     * version was confirmed by a query issued after the read arrived, so serving it linearizes too.
     */
    private TabletContents loadCurrent(TabletMeta tablet) {
        try {
            return blobs.load(tablet);
        } catch (KvException e) {
            if (e.error() != KvError.UNREADABLE) {
                throw e;
            }
            TabletMeta now =
                    directory.tabletsById(List.of(tablet.getTabletId())).get(tablet.getTabletId());
            if (now == null
                    || now.getVersion() == tablet.getVersion()
                    || now.getRangeFirst() != tablet.getRangeFirst()
                    || now.getRangeLast() != tablet.getRangeLast()) {
                throw e;
            }
            return blobs.load(now);
        }
    }

    private void serveTablet(TabletMeta tablet, List<PendingRead> reads, List<PendingRead> moved) {
        List<PendingRead> owned = new ArrayList<>();
        for (PendingRead read : reads) {
            boolean mine = tablet != null
                    && RingPosition.within(read.position(), tablet.getRangeFirst(), tablet.getRangeLast());
            (mine ? owned : moved).add(read);
        }
        if (owned.isEmpty()) {
            return;
        }
        TabletContents contents;
        try {
            contents = loadCurrent(tablet);
        } catch (RuntimeException e) {
            KvException failure = KvException.of(e);
            owned.forEach(read -> read.answer().completeExceptionally(failure));
            return;
        }
        Map<ByteString, Optional<StoredValue>> seen = new HashMap<>();
        for (PendingRead read : owned) {
            read.answer().complete(seen.computeIfAbsent(read.key(), contents::get));
        }
    }
}
