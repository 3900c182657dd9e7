package dev.ratchet.cache;

import dev.ratchet.client.proto.KvError;
import dev.ratchet.tablet.proto.CommitTablets;
import dev.ratchet.tablet.proto.CommitTabletsResult;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletCommit;
import dev.ratchet.tablet.proto.TabletMeta;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path: a bounded queue of ops per tablet, flushed as batches, one flush in flight per
 * tablet and flushes of different tablets in parallel on the worker executor.
 *
 * <h2>A flush</h2>
 *
 * <ol>
 *   <li>Take the tablet's version: the one this node committed last if it has one (the commit's
 *       version check confirms it), else a linearizable query. Ops whose key the tablet no longer
 *       owns (another node split or merged it) are routed again by a fresh ring.
 *   <li>Load the tablet at that version, apply the ops in order ({@link TabletBatch}).
 *   <li>Nothing changed (replays, failed compare-and-sets): there is no commit to confirm the
 *       version, so it is confirmed by a linearizable query issued after each op arrived (and the
 *       ops applied again if it moved), and the answers linearize at that query.
 *   <li>Otherwise seal and write the next version to fresh stripes, as a delta (only what the
 *       batch changed) or as the whole tablet ({@link #asDelta}), and commit {@code v -> v + 1},
 *       in one Raft entry with the commits of other tablets ready at the same time ({@link
 *       GroupCommit}).
 *       Only a committed version is answered. On a version conflict (another cache node won), the
 *       stripes are reused and the same ops are applied again to the new version, so every
 *       compare-and-set is evaluated against the state it will commit on. If the commit's answer
 *       never comes, every op of the batch is OUTCOME_UNKNOWN: each request id is inside the new
 *       version's idempotency window if it committed, so a retry applies once either way.
 *   <li>After a commit whose tablet passed the split threshold, split it ({@link TabletSplitter}).
 * </ol>
 *
 * <p>Thread-safe. Each queue's lock guards only its deque and its flag; no I/O under it.
 */
final class TabletWriter {
    private static final Logger log = LoggerFactory.getLogger(TabletWriter.class);

    private final TabletDirectory directory;
    private final TabletBlobs blobs;
    private final TabletSplitter splitter;
    private final Executor workers;
    private final ScheduledExecutorService timer;
    private final int queueDepthMax;
    private final GroupCommit commits;
    private final Map<Long, TabletQueue> queues = new ConcurrentHashMap<>();

    /** The last version of each tablet this node committed or queried; may be stale. */
    private final Map<Long, TabletMeta> known = new ConcurrentHashMap<>();

    /** One op waiting for its batch, and the future its answer completes. */
    record PendingWrite(KvOp op, long position, long bytes, CompletableFuture<OpOutcome> answer) {}

    /** One tablet's queue. */
    private static final class TabletQueue {
        final long tabletId;

        /** Guarded by {@code this}. */
        final ArrayDeque<PendingWrite> waiting = new ArrayDeque<>();

        /** Whether a flush is scheduled or running. Guarded by {@code this}. */
        boolean active;

        TabletQueue(long tabletId) {
            this.tabletId = tabletId;
        }
    }

    /** {@link SafetyBreak#ACK_BEFORE_COMMIT}: off in every real deployment. */
    private final boolean ackBeforeCommit;

    /** Under {@link SafetyBreak#ACK_BEFORE_COMMIT}, how long the commit waits after the early answer: 200 ms. */
    static final long ACK_BEFORE_COMMIT_DELAY_NANOS = 200_000_000L;

    /**
     * A writer. {@code ackBeforeCommit} is {@link SafetyBreak#ACK_BEFORE_COMMIT}, a negative
     * control: false in production.
     */
    TabletWriter(
            TabletDirectory directory,
            TabletBlobs blobs,
            TabletSplitter splitter,
            Executor workers,
            ScheduledExecutorService timer,
            int queueDepthMax,
            boolean ackBeforeCommit) {
        this.ackBeforeCommit = ackBeforeCommit;
        this.directory = Objects.requireNonNull(directory, "directory");
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.splitter = Objects.requireNonNull(splitter, "splitter");
        this.workers = Objects.requireNonNull(workers, "workers");
        this.timer = Objects.requireNonNull(timer, "timer");
        this.queueDepthMax = queueDepthMax;
        this.commits = new GroupCommit(
                this::submit,
                directory.nodeId(),
                ServingLimits.COMMIT_ROUNDS_IN_FLIGHT_MAX,
                ServingLimits.COMMIT_GROUP_TABLETS_MAX,
                ServingLimits.COMMIT_GROUP_STRIPES_MAX);
    }

    /**
     * Queues {@code op} on its tablet; the future completes with its outcome once committed, or
     * fails with a {@link KvException}.
     *
     * @throws KvException OVERLOADED at once if the tablet's queue is full
     */
    CompletableFuture<OpOutcome> submit(KvOp op) {
        long position = RingPosition.position(op.key());
        long bytes = op.key().size() + op.value().size();
        PendingWrite pending = new PendingWrite(op, position, bytes, new CompletableFuture<>());
        enqueue(directory.ring().tabletFor(position).getTabletId(), pending, /* bounded= */ true);
        return pending.answer();
    }

    /** Returns the ops waiting in every queue, for tests and status. */
    int waitingCount() {
        int total = 0;
        for (TabletQueue queue : queues.values()) {
            synchronized (queue) {
                total += queue.waiting.size();
            }
        }
        return total;
    }

    private void enqueue(long tabletId, PendingWrite pending, boolean bounded) {
        TabletQueue queue = queues.computeIfAbsent(tabletId, TabletQueue::new);
        boolean start;
        synchronized (queue) {
            if (bounded && queue.waiting.size() >= queueDepthMax) {
                throw new KvException(
                        KvError.OVERLOADED, "tablet " + tabletId + " already has " + queueDepthMax + " ops waiting");
            }
            queue.waiting.addLast(pending);
            start = !queue.active;
            queue.active = true;
        }
        if (start) {
            timer.schedule(
                    () -> workers.execute(() -> flush(queue)),
                    ServingLimits.BATCH_LINGER_MICROS,
                    TimeUnit.MICROSECONDS);
        }
    }

    private void flush(TabletQueue queue) {
        List<PendingWrite> batch = take(queue);
        try {
            if (!batch.isEmpty()) {
                flushBatch(queue.tabletId, batch);
            }
        } catch (RuntimeException e) {
            KvException failure = KvException.of(e);
            if (failure.error() == KvError.NOT_SERVING) {
                log.warn("flush of tablet {} failed: {}", queue.tabletId, failure.getMessage());
            }
            for (PendingWrite pending : batch) {
                pending.answer().completeExceptionally(failure);
            }
        } finally {
            boolean more;
            synchronized (queue) {
                more = !queue.waiting.isEmpty();
                queue.active = more;
            }
            if (more) {
                // A busy tablet: the ops that arrived during this flush are the next batch.
                workers.execute(() -> flush(queue));
            }
        }
    }

    private static List<PendingWrite> take(TabletQueue queue) {
        List<PendingWrite> batch = new ArrayList<>();
        long bytes = 0;
        synchronized (queue) {
            while (!queue.waiting.isEmpty() && batch.size() < ServingLimits.BATCH_OPS_MAX) {
                PendingWrite next = queue.waiting.peekFirst();
                if (!batch.isEmpty() && bytes + next.bytes() > ServingLimits.BATCH_BYTES_MAX) {
                    break;
                }
                batch.add(queue.waiting.removeFirst());
                bytes += next.bytes();
            }
        }
        return batch;
    }

    private void flushBatch(long tabletId, List<PendingWrite> batch) {
        List<PendingWrite> ops = batch;
        // The version this node committed last is usually still current: apply on it and let the
        // commit's version check confirm it, saving a query per flush. A batch that changes
        // nothing has no commit to confirm it, so it is answered only on a queried version.
        TabletMeta tablet = known.get(tabletId);
        boolean queried = tablet == null;
        boolean wholeOnly = false;
        if (queried) {
            tablet = query(tabletId);
        }
        for (int attempt = 1; attempt <= ServingLimits.CONFLICT_RETRIES_MAX; attempt++) {
            if (!queried && !ownsAll(tablet, ops)) {
                // The remembered version may predate a peer's merge that widened this tablet: the
                // ring routed these ops here, so re-routing them by the old range would send them
                // straight back, for ever. Only the store's current version can disown them.
                tablet = query(tabletId);
                queried = true;
            }
            ops = keepOwned(tablet, ops);
            if (ops.isEmpty()) {
                return;
            }
            TabletContents base;
            try {
                base = blobs.load(tablet);
            } catch (KvException e) {
                // A version superseded since the query may already be trimmed: try the new one.
                if (e.error() == KvError.UNREADABLE && superseded(tablet)) {
                    tablet = query(tabletId);
                    queried = true;
                    continue;
                }
                throw e;
            }
            TabletBatch.Applied applied =
                    TabletBatch.apply(base, ops.stream().map(PendingWrite::op).toList(), directory.clockTicks());
            if (!applied.changed()) {
                if (!queried) {
                    tablet = query(tabletId);
                    queried = true;
                    continue;
                }
                answer(ops, applied.outcomes());
                return;
            }
            long next = tablet.getVersion() + 1;
            boolean asDelta = !wholeOnly
                    && asDelta(tablet, blobs.stripesFor(applied.delta().plaintextBytes()));
            TabletBlob blob = asDelta
                    ? blobs.storeDelta(applied.delta(), applied.next(), tabletId, next)
                    : blobs.store(applied.next(), tabletId, next);
            if (ackBeforeCommit) {
                answer(ops, applied.outcomes()); // SafetyBreak: the commit below may yet fail
                // Widens the window in which an acknowledged write is not yet visible, so the
                // negative control's stale reads show up within seconds, not by luck.
                LockSupport.parkNanos(ACK_BEFORE_COMMIT_DELAY_NANOS);
            }
            CommitTabletsResult result;
            try {
                result = commit(tablet, blob, asDelta);
            } catch (RuntimeException e) {
                // It may have applied: its stripes are held until the store's state says.
                blobs.holdUnsettled(List.of(blob), List.of(new UnsettledCommits.Guard(tabletId, tablet.getVersion())));
                throw afterSubmission(e);
            }
            switch (result.getStatus()) {
                case OK -> {
                    try {
                        answerCommitted(tabletId, tablet, blob, asDelta, next, applied, ops);
                    } catch (RuntimeException e) {
                        throw afterSubmission(e);
                    }
                    return;
                }
                case VERSION_CONFLICT, UNKNOWN_TABLET -> blobs.giveBack(blob);
                case UNKNOWN_KEY_EPOCH -> {
                    blobs.giveBack(blob);
                    directory.refreshDataKeys();
                }
                case ARRAY_CHANGED -> {
                    // The blob skipped a server the store has in a slot (a replacement this node
                    // has not adopted yet): adopt it and write the batch again.
                    blobs.giveBack(blob);
                    blobs.followArray();
                }
                case TOO_MANY_DELTAS -> {
                    // The store holds fewer deltas than this node allows: write the whole tablet.
                    blobs.giveBack(blob);
                    wholeOnly = true;
                }
                case UNKNOWN_CACHE_NODE ->
                    throw new KvException(
                            KvError.NOT_SERVING, "this cache node is no longer registered with the tablet store");
                case STRIPE_NOT_RESERVED ->
                    log.warn(
                            "the store says stripes of the pool are not reserved; dropping them: {}",
                            result.getDetail());
                default -> {
                    blobs.giveBack(blob);
                    throw new KvException(
                            KvError.NOT_SERVING, "commit refused: " + result.getStatus() + " " + result.getDetail());
                }
            }
            tablet = query(tabletId);
            queried = true;
        }
        throw new KvException(
                KvError.OVERLOADED,
                "tablet " + tabletId + " changed under " + ServingLimits.CONFLICT_RETRIES_MAX
                        + " commits in a row; not applied");
    }

    /** Records a committed version and answers its ops (the commit took effect). */
    private void answerCommitted(
            long tabletId,
            TabletMeta tablet,
            TabletBlob blob,
            boolean asDelta,
            long next,
            TabletBatch.Applied applied,
            List<PendingWrite> ops) {
        TabletMeta committed = asDelta
                ? tablet.toBuilder().setVersion(next).addDeltas(blob).build()
                : tablet.toBuilder()
                        .setVersion(next)
                        .setBlob(blob)
                        .clearDeltas()
                        .build();
        blobs.remember(tabletId, next, applied.next());
        known.put(tabletId, committed);
        answer(ops, applied.outcomes());
        if (splitter.maybeSplit(committed, applied.next())) {
            known.remove(tabletId);
        }
    }

    /**
     * Returns the failure to answer for {@code e}, thrown once the commit was handed over: the
     * commit may have been applied, so anything but a KvException is OUTCOME_UNKNOWN, never
     * NOT_SERVING ("not applied"), which could make a client give up on a write that took effect.
     */
    private static KvException afterSubmission(RuntimeException e) {
        return KvException.of(e, KvError.OUTCOME_UNKNOWN, "unexpected failure after the commit was submitted: ");
    }

    /** Returns the tablet's current metadata (null if a merge retired it), and remembers it. */
    private TabletMeta query(long tabletId) {
        TabletMeta tablet = directory.tabletsById(List.of(tabletId)).get(tabletId);
        if (tablet == null) {
            known.remove(tabletId);
        } else {
            known.put(tabletId, tablet);
        }
        return tablet;
    }

    private boolean superseded(TabletMeta tablet) {
        TabletMeta now = directory.tabletsById(List.of(tablet.getTabletId())).get(tablet.getTabletId());
        return now == null || now.getVersion() != tablet.getVersion();
    }

    private static boolean ownsAll(TabletMeta tablet, List<PendingWrite> ops) {
        for (PendingWrite pending : ops) {
            if (!RingPosition.within(pending.position(), tablet.getRangeFirst(), tablet.getRangeLast())) {
                return false;
            }
        }
        return true;
    }

    /** Returns the ops {@code tablet} owns; the others are routed again by a fresh ring. */
    private List<PendingWrite> keepOwned(TabletMeta tablet, List<PendingWrite> ops) {
        List<PendingWrite> owned = new ArrayList<>(ops.size());
        List<PendingWrite> moved = new ArrayList<>();
        for (PendingWrite pending : ops) {
            boolean mine = tablet != null
                    && RingPosition.within(pending.position(), tablet.getRangeFirst(), tablet.getRangeLast());
            (mine ? owned : moved).add(pending);
        }
        if (!moved.isEmpty()) {
            RingSnapshot ring = directory.refreshRing();
            for (PendingWrite pending : moved) {
                // Already admitted once: a re-route must not bounce it as OVERLOADED.
                enqueue(ring.tabletFor(pending.position()).getTabletId(), pending, /* bounded= */ false);
            }
        }
        return owned;
    }

    private CommitTabletsResult commit(TabletMeta tablet, TabletBlob blob, boolean delta) {
        return commits.commit(TabletCommit.newBuilder()
                .setTabletId(tablet.getTabletId())
                .setExpectedVersion(tablet.getVersion())
                .setBlob(blob)
                .setDelta(delta)
                .build());
    }

    /**
     * Returns whether the next version of {@code tablet} is written as a delta of {@code
     * deltaStripes} stripes rather than as the whole tablet.
     *
     * <p>A delta costs what the batch changed; the whole tablet costs its size, but resets the
     * chain that every cold read must fetch and apply. The rule: a delta while the tablet has a
     * base, fewer than {@link ServingLimits#DELTAS_PER_TABLET_MAX} deltas, and its deltas
     * (this one included) occupy no more stripes than the base. The array then never holds more
     * than twice a tablet's size for it, a cold read reads at most twice the tablet, and a flush
     * writes on average about two stripes rather than the whole tablet (a base of b stripes is
     * followed by up to b one-stripe deltas: (b + b) / (b + 1) stripes per flush).
     */
    static boolean asDelta(TabletMeta tablet, int deltaStripes) {
        int baseStripes = tablet.getBlob().getStripesCount();
        if (baseStripes == 0 || tablet.getDeltasCount() >= ServingLimits.DELTAS_PER_TABLET_MAX) {
            return false;
        }
        long stripes = deltaStripes;
        for (TabletBlob delta : tablet.getDeltasList()) {
            stripes += delta.getStripesCount();
        }
        return stripes <= baseStripes;
    }

    /** Proposes one group of commits (see {@link GroupCommit}). */
    private CommitTabletsResult submit(CommitTablets group) {
        Result result =
                directory.submit(directory.command().setCommitTablets(group).build());
        if (result.hasRejection()) {
            throw new KvException(KvError.NOT_SERVING, "commit rejected: " + result.getRejection());
        }
        return result.getCommitTablets();
    }

    /** Returns the number of commit rounds proposed so far; for tests. */
    long commitRounds() {
        return commits.rounds();
    }

    private static void answer(List<PendingWrite> ops, List<OpOutcome> outcomes) {
        for (int i = 0; i < ops.size(); i++) {
            OpOutcome outcome = outcomes.get(i);
            switch (outcome.refusal()) {
                case REQUEST_ID_REUSED ->
                    ops.get(i)
                            .answer()
                            .completeExceptionally(new KvException(
                                    KvError.REQUEST_ID_REUSED,
                                    "the request id was already used for a different operation"));
                case REQUEST_TOO_OLD ->
                    ops.get(i)
                            .answer()
                            .completeExceptionally(new KvException(
                                    KvError.REQUEST_TOO_OLD,
                                    "the request id is not in its tablet's idempotency window, and the request was issued"
                                            + " at store tick "
                                            + ops.get(i).op().issuedAtTicks()
                                            + ", before what the window still covers; an earlier attempt may have"
                                            + " been applied and forgotten, so this one is not applied"));
                case NONE -> ops.get(i).answer().complete(outcome);
            }
        }
    }
}
