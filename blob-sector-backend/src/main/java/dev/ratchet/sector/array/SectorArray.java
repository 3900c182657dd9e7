package dev.ratchet.sector.array;

import dev.ratchet.sector.codec.CauchyCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The array client: stores blobs as erasure-coded stripes of 4096-byte sectors across k + m sector
 * servers, one server per slot, and reads them back around up to m bad shards per stripe.
 *
 * <h2>Layout</h2>
 *
 * <p>A blob occupies a caller-chosen list of whole stripes; stripe s is sector {@code s} on every
 * slot. The blob is cut into {@code k × 4096}-byte stripes, the last padded with zeros; shard i &lt; k
 * of a stripe is its i-th 4096 bytes (the code is systematic) and shard k + j is parity j of the
 * bit-sliced Cauchy Reed-Solomon code ({@link CauchyCode}). The tablet store pins one digest per
 * shard ({@link StripeWrite#shardDigests()} says exactly what is hashed and in which order); the
 * digest binds the sector index and slot, so a misdirected shard fails it like a stale or corrupt
 * one.
 *
 * <h2>Writes</h2>
 *
 * <p>Copy-on-write, whole stripes only: a write goes to freshly reserved stripes and is complete when
 * every LIVE (and REBUILDING) slot has acknowledged every stripe. DEAD slots are skipped; their
 * shards are still digested, for a later rebuild. If a writable slot fails, the write fails with an
 * {@link ArrayWriteException} naming it; nothing was committed (the caller commits the location to
 * the tablet store only after success, and that Raft commit is the single atomic point), so there
 * is no write hole: the caller marks the slot dead and writes again to fresh stripes. Writes need at
 * least k LIVE slots, the fewest from which a stripe can be read back at all; with d DEAD slots a
 * stripe keeps m − d shards of redundancy, which {@link #health()} reports as degraded.
 *
 * <h2>Reads</h2>
 *
 * <p>For each stripe the array first asks the k data slots (no decoding when all are good). A shard is
 * an erasure if its slot is not LIVE, its call timed out or failed, its proof or shape was bad, or it
 * does not match its pinned digest; for each erasure the array asks one more slot (parity 0 first)
 * and decodes once it has k good shards. Decoded shards are checked against their digests too, so a
 * read returns no byte that is not pinned. With more than m bad shards in a stripe the read fails
 * with an {@link ArrayReadException} listing them. Every fault of a server is counted in {@link
 * #health()} and passed to the fault listener, from which the cache node reports lying servers to the
 * tablet store.
 *
 * <h2>Pipelining</h2>
 *
 * <p>Stripes are sent in batches of up to {@code stripesPerRequestMax} per device call, and batches
 * run concurrently as long as at most {@code stripesInFlightMax} stripes are in flight, which bounds
 * the shard memory of one operation. Everything is completion-driven; no thread waits for a call.
 * Every device call is bounded by {@code callTimeoutMillis} on the array's scheduler, so a server
 * that never answers becomes an erasure rather than a stall. Encoding, decoding and digests run on
 * the codec executor.
 *
 * <h2>Thread safety</h2>
 *
 * <p>All methods may be called concurrently. The slot table is guarded by a lock that is never held
 * during a call or a callback; each batch works on a snapshot of it. The fault listener may be called
 * concurrently from any thread and must be quick.
 */
public final class SectorArray implements AutoCloseable {
    private final StripeLayout layout;
    private final CauchyCode code;
    private final SlotCalls calls;
    private final Executor executor;
    private final LongSupplier nanoTicker;
    private final int stripesPerBatch;
    private final int stripesInFlightMax;

    /** The scheduler the array created and so must shut down, or null if the caller gave one. */
    private final ScheduledExecutorService ownedScheduler;

    private final ExecutorService ownedExecutor;

    private final Object lock = new Object();

    /** The slot table, indexed by slot. Guarded by {@link #lock}. */
    private final Slot[] slots;

    /** Guarded by {@link #lock}. */
    private boolean closed;

    /** A chaos test's negative control only: reads take shards without their digest check. */
    private final boolean shardDigestsUnchecked;

    private SectorArray(Builder builder, ScheduledExecutorService scheduler, ScheduledExecutorService ownedScheduler) {
        this.layout = new StripeLayout(builder.dataSlotCount, builder.paritySlotCount);
        this.code = CauchyCode.create(builder.dataSlotCount, builder.paritySlotCount);
        this.calls = new SlotCalls(scheduler, builder.callTimeoutMillis, builder.faultListener, builder.callListener);
        this.ownedExecutor = builder.executor == null ? newCodecPool() : null;
        this.executor = builder.executor == null ? ownedExecutor : builder.executor;
        this.nanoTicker = builder.nanoTicker;
        this.shardDigestsUnchecked = builder.shardDigestsUnchecked;
        this.stripesPerBatch = Math.min(builder.stripesPerRequestMax, builder.stripesInFlightMax);
        this.stripesInFlightMax = builder.stripesInFlightMax;
        this.ownedScheduler = ownedScheduler;
        this.slots = new Slot[builder.devices.size()];
        for (int s = 0; s < slots.length; s++) {
            slots[s] = new Slot(s, builder.devices.get(s), SlotState.LIVE, 0, new Slot.Counters(), null);
        }
    }

    /**
     * Returns a builder for an array of {@code dataSlotCount} data slots (k) and {@code
     * paritySlotCount} parity slots (m), k ≥ 1, m ≥ 1, k + m ≤ {@value CauchyCode#STRIPE_SECTORS_MAX}.
     */
    public static Builder builder(int dataSlotCount, int paritySlotCount) {
        return new Builder(dataSlotCount, paritySlotCount);
    }

    /**
     * Writes {@code blob} to {@code stripes}, which must be exactly as many distinct, fresh stripes as
     * the blob needs ({@code ceil(length / (k × 4096))}, none for an empty blob).
     *
     * @return the write, with one digest per shard; fails with {@link ArrayWriteException} if a
     *     writable slot failed or fewer than k slots are LIVE
     */
    public CompletableFuture<StripeWrite> write(long[] stripes, byte[] blob) {
        long[] ownStripes = stripes.clone();
        StripeLayout.checkStripes(ownStripes);
        int expected = layout.stripeCountFor(blob.length);
        if (ownStripes.length != expected) {
            throw new IllegalArgumentException("a blob of " + blob.length + " bytes needs " + expected + " stripes of "
                    + layout.stripeDataBytes() + " bytes, got " + ownStripes.length);
        }
        byte[][] digests = new byte[ownStripes.length * layout.slotCount()][];
        String[] writtenTo = new String[layout.slotCount()];
        return BatchPipeline.run(StripeBatch.split(ownStripes, stripesPerBatch), stripesInFlightMax, batch -> {
                    Slot[] snapshot = writableSnapshot("write");
                    noteWrittenTo(writtenTo, snapshot);
                    return CompletableFuture.supplyAsync(
                                    () -> StripeBatchWrite.write(layout, code, calls, batch, snapshot, blob, digests),
                                    executor)
                            .thenCompose(written -> written);
                })
                .thenApply(ignored ->
                        new StripeWrite(ownStripes, blob.length, Arrays.asList(digests), written(writtenTo)));
    }

    /**
     * Reads back a blob of {@code lengthBytes} from {@code stripes}, checking every shard against
     * {@code shardDigests} (as returned by {@link #write}).
     *
     * @return the blob; fails with {@link ArrayReadException} if some stripe has fewer than k good shards
     */
    public CompletableFuture<byte[]> read(long[] stripes, int lengthBytes, List<byte[]> shardDigests) {
        long[] ownStripes = stripes.clone();
        StripeLayout.checkStripes(ownStripes);
        int expected = layout.stripeCountFor(lengthBytes);
        if (ownStripes.length != expected) {
            throw new IllegalArgumentException(
                    "a blob of " + lengthBytes + " bytes occupies " + expected + " stripes, got " + ownStripes.length);
        }
        List<byte[]> digests = List.copyOf(shardDigests);
        layout.checkDigests(digests, ownStripes.length);
        byte[] blob = new byte[lengthBytes];
        return BatchPipeline.run(StripeBatch.split(ownStripes, stripesPerBatch), stripesInFlightMax, batch -> {
                    StripeBatchRead read = new StripeBatchRead(
                            layout, code, calls, executor, batch, snapshot(), digests, layout.dataSlotsMask());
                    if (shardDigestsUnchecked) {
                        read.skipDigestChecks();
                    }
                    return read.run().thenAccept(shards -> copyData(batch, shards, blob));
                })
                .thenApply(ignored -> blob);
    }

    /**
     * Zeroes {@code stripes} on every LIVE and REBUILDING slot, so freed data does not linger.
     *
     * @return completes when every writable slot has trimmed; fails with {@link ArrayWriteException}
     *     naming the slots that did not
     */
    public CompletableFuture<Void> trim(long[] stripes) {
        long[] ownStripes = stripes.clone();
        StripeLayout.checkStripes(ownStripes);
        return BatchPipeline.run(
                        StripeBatch.split(ownStripes, stripesPerBatch),
                        stripesInFlightMax,
                        batch -> StripeBatchWrite.trim(calls, batch, snapshot()))
                .thenApply(ignored -> null);
    }

    /**
     * Asks slot {@code slot}'s current server (LIVE or REBUILDING) whether it answers, moving no
     * sectors; the outcome also goes to the call listener. Completes normally if the server
     * answered within the call timeout, else exceptionally with a {@link SectorDeviceException}.
     *
     * @throws IllegalArgumentException if {@code slot} is out of range
     */
    public CompletableFuture<Void> probe(int slot) {
        Slot target;
        synchronized (lock) {
            checkOpen();
            target = slotAt(slot);
        }
        if (target.state() == SlotState.DEAD) {
            return CompletableFuture.failedFuture(new SectorDeviceException(
                    SectorDeviceException.Kind.UNAVAILABLE,
                    target.device().nodeId(),
                    null,
                    "slot " + slot + " is DEAD",
                    null));
        }
        return calls.probe(target);
    }

    /** Returns a snapshot of every slot's state and fault counts. */
    public ArrayHealth health() {
        List<ArrayHealth.SlotHealth> health = new ArrayList<>();
        for (Slot slot : snapshot()) {
            health.add(slot.health());
        }
        return new ArrayHealth(health);
    }

    /**
     * Applies a death record: the slot becomes DEAD (from any state; a rebuild in progress on it
     * fails), so writes skip it and reads decode around it.
     *
     * @param deathRecordVersion the tablet store's version of this death record; it must be strictly
     *     greater than the slot's last applied version, so a replayed or reordered record is refused
     * @throws IllegalArgumentException if the slot does not exist or the version is not newer
     */
    public void markDead(int slot, long deathRecordVersion) {
        synchronized (lock) {
            checkOpen();
            Slot current = slotAt(slot);
            if (deathRecordVersion <= current.deathRecordVersion()) {
                throw new IllegalArgumentException("death-record version " + deathRecordVersion + " for slot " + slot
                        + " is not above its applied version " + current.deathRecordVersion());
            }
            slots[slot] =
                    new Slot(slot, current.device(), SlotState.DEAD, deathRecordVersion, current.counters(), null);
        }
    }

    /**
     * Rebuilds a DEAD slot onto {@code newDevice}: the slot becomes REBUILDING (new writes and trims
     * reach the new server, reads still decode around it); each live stripe's shard for the slot is
     * decoded from the other slots, checked against its pinned digest, written, read back and checked
     * again; then the slot is LIVE on the new server and the old device is closed.
     *
     * <p>Shard digests do not change: they bind the slot, not the server, and the rebuilt shards are
     * the same bytes. The caller must not trim or rewrite {@code liveStripes} while the rebuild runs.
     * If the rebuild fails (a stripe with too many bad shards, the new server failing, or the slot
     * being marked dead again), the slot returns to DEAD and {@code newDevice} stays the caller's to
     * close.
     *
     * @param liveStripes the stripes holding live data (the tablet store knows them)
     * @param digestsOfThoseStripes their pinned digests, stripe-major as in {@link StripeWrite}
     * @param progressListener called after each batch, one call at a time, with stripes done
     *     increasing; the last call has all stripes done
     * @return the final progress
     * @throws IllegalStateException if the slot is not DEAD
     */
    public CompletableFuture<RebuildProgress> rebuild(
            int slot,
            SectorDevice newDevice,
            long[] liveStripes,
            List<byte[]> digestsOfThoseStripes,
            Consumer<RebuildProgress> progressListener) {
        Objects.requireNonNull(newDevice, "newDevice");
        Objects.requireNonNull(progressListener, "progressListener");
        long[] ownStripes = liveStripes.clone();
        StripeLayout.checkStripes(ownStripes);
        List<byte[]> digests = List.copyOf(digestsOfThoseStripes);
        layout.checkDigests(digests, ownStripes.length);
        Slot rebuilding = startRebuild(slot, newDevice);
        SlotRebuild rebuild = new SlotRebuild(
                layout,
                code,
                calls,
                executor,
                rebuilding,
                ownStripes,
                digests,
                progressListener,
                nanoTicker,
                this::snapshot);
        return rebuild.run(stripesPerBatch, stripesInFlightMax).handle((progress, failure) -> {
            if (failure != null) {
                abandonRebuild(rebuilding);
                Throwable cause = BatchPipeline.unwrap(failure);
                throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
            }
            finishRebuild(rebuilding);
            return progress;
        });
    }

    /** Closes every slot's device; calls in progress fail, and later calls are refused. */
    @Override
    public void close() {
        Slot[] toClose;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = slots.clone();
        }
        for (Slot slot : toClose) {
            slot.device().close();
            if (slot.beforeRebuild() != null) {
                slot.beforeRebuild().device().close();
            }
        }
        if (ownedScheduler != null) {
            ownedScheduler.shutdownNow();
        }
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
    }

    private static ExecutorService newCodecPool() {
        AtomicInteger threads = new AtomicInteger();
        return Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), runnable -> {
            Thread thread = new Thread(runnable, "sector-array-codec-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    private Slot startRebuild(int slot, SectorDevice newDevice) {
        synchronized (lock) {
            checkOpen();
            Slot current = slotAt(slot);
            if (current.state() != SlotState.DEAD) {
                throw new IllegalStateException(
                        "slot " + slot + " is " + current.state() + "; only a DEAD slot can be rebuilt");
            }
            for (Slot other : slots) {
                if (other.device() == newDevice) {
                    throw new IllegalArgumentException("newDevice already serves slot " + other.index());
                }
            }
            Slot rebuilding = new Slot(
                    slot, newDevice, SlotState.REBUILDING, current.deathRecordVersion(), new Slot.Counters(), current);
            slots[slot] = rebuilding;
            return rebuilding;
        }
    }

    private void finishRebuild(Slot rebuilding) {
        synchronized (lock) {
            int slot = rebuilding.index();
            if (slots[slot] != rebuilding) {
                throw new IllegalStateException("slot " + slot + " changed during its rebuild: now "
                        + slots[slot].state() + " at death-record version " + slots[slot].deathRecordVersion());
            }
            slots[slot] = new Slot(
                    slot,
                    rebuilding.device(),
                    SlotState.LIVE,
                    rebuilding.deathRecordVersion(),
                    rebuilding.counters(),
                    null);
        }
        rebuilding.beforeRebuild().device().close();
    }

    private void abandonRebuild(Slot rebuilding) {
        synchronized (lock) {
            if (slots[rebuilding.index()] == rebuilding) {
                slots[rebuilding.index()] = rebuilding.beforeRebuild();
            }
        }
    }

    private void copyData(StripeBatch batch, byte[][][] shards, byte[] blob) {
        for (int i = 0; i < batch.size(); i++) {
            for (int d = 0; d < layout.dataSlotCount(); d++) {
                layout.copyDataShard(shards[i][d], batch.position(i), d, blob);
            }
        }
    }

    private Slot[] snapshot() {
        synchronized (lock) {
            checkOpen();
            return slots.clone();
        }
    }

    /**
     * Folds one batch's slots into {@code writtenTo}: a slot keeps its server's node id only while
     * every batch so far wrote to that same server.
     */
    private static void noteWrittenTo(String[] writtenTo, Slot[] snapshot) {
        synchronized (writtenTo) {
            for (Slot slot : snapshot) {
                String id = slot.writable() ? slot.device().nodeId() : "";
                String before = writtenTo[slot.index()];
                writtenTo[slot.index()] = before == null || before.equals(id) ? id : "";
            }
        }
    }

    private static List<String> written(String[] writtenTo) {
        synchronized (writtenTo) {
            List<String> ids = new ArrayList<>(writtenTo.length);
            for (String id : writtenTo) {
                ids.add(id == null ? "" : id);
            }
            return ids;
        }
    }

    /** Returns a snapshot for a write, or fails the write if fewer than k slots are LIVE. */
    private Slot[] writableSnapshot(String operation) {
        Slot[] snapshot = snapshot();
        List<ShardFault> notLive = new ArrayList<>();
        for (Slot slot : snapshot) {
            if (!slot.readable()) {
                notLive.add(new ShardFault(
                        slot.index(),
                        slot.device().nodeId(),
                        -1,
                        ShardFault.Kind.SLOT_NOT_LIVE,
                        "slot is " + slot.state()));
            }
        }
        if (snapshot.length - notLive.size() < layout.dataSlotCount()) {
            throw new ArrayWriteException(
                    operation + " needs at least " + layout.dataSlotCount() + " LIVE slots, but only "
                            + (snapshot.length - notLive.size()) + " are",
                    notLive);
        }
        return snapshot;
    }

    private Slot slotAt(int slot) {
        if (slot < 0 || slot >= slots.length) {
            throw new IllegalArgumentException("slot is " + slot + ", outside [0, " + slots.length + ")");
        }
        return slots[slot];
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the sector array is closed");
        }
    }

    /**
     * Builds a {@link SectorArray}; every setting has a default except the slots.
     *
     * <p>Each slot's device is built by the caller from the slot's server address and the node id it
     * must have; the device checks the attested identity and every read's signature.
     */
    public static final class Builder {
        /**
         * Default stripes per device call: 64 sectors are 256 KiB per request, well under gRPC's 4 MiB
         * default message limit, and enough to amortize a round trip.
         */
        public static final int STRIPES_PER_REQUEST_MAX_DEFAULT = 64;

        /**
         * Default bound on stripes in flight per operation: 256 stripes of 8+4 shards are 12 MiB of
         * shards, and 4 concurrent batches per slot keep each server's pipe full.
         */
        public static final int STRIPES_IN_FLIGHT_MAX_DEFAULT = 256;

        /**
         * Default device call timeout: far above a healthy RAM server's round trip, short enough that a
         * hung server costs a read a few seconds once before the caller marks it dead.
         */
        public static final long CALL_TIMEOUT_MILLIS_DEFAULT = 5_000;

        private final int dataSlotCount;
        private final int paritySlotCount;
        private List<SectorDevice> devices;
        private int stripesPerRequestMax = STRIPES_PER_REQUEST_MAX_DEFAULT;
        private int stripesInFlightMax = STRIPES_IN_FLIGHT_MAX_DEFAULT;
        private long callTimeoutMillis = CALL_TIMEOUT_MILLIS_DEFAULT;
        private ScheduledExecutorService scheduler;
        private Executor executor;
        private LongSupplier nanoTicker = System::nanoTime;
        private Consumer<ShardFault> faultListener = fault -> {};
        private Consumer<CallOutcome> callListener = outcome -> {};
        private boolean shardDigestsUnchecked;

        private Builder(int dataSlotCount, int paritySlotCount) {
            new StripeLayout(dataSlotCount, paritySlotCount); // validates the geometry now, not at build()
            this.dataSlotCount = dataSlotCount;
            this.paritySlotCount = paritySlotCount;
        }

        /** Sets the k + m devices, data slots first; the array owns them and closes them. */
        public Builder slots(List<? extends SectorDevice> devices) {
            if (devices.size() != dataSlotCount + paritySlotCount) {
                throw new IllegalArgumentException("a " + dataSlotCount + "+" + paritySlotCount + " array needs "
                        + (dataSlotCount + paritySlotCount) + " slots, got " + devices.size());
            }
            Map<SectorDevice, Integer> seen = new IdentityHashMap<>();
            for (int s = 0; s < devices.size(); s++) {
                Integer earlier = seen.put(Objects.requireNonNull(devices.get(s), "slot " + s), s);
                if (earlier != null) {
                    throw new IllegalArgumentException("slots " + earlier + " and " + s + " are the same device");
                }
            }
            this.devices = List.copyOf(devices);
            return this;
        }

        /** Sets the most stripes sent in one device call; at most the servers' per-request limit. */
        public Builder stripesPerRequestMax(int stripesPerRequestMax) {
            if (stripesPerRequestMax < 1) {
                throw new IllegalArgumentException("stripesPerRequestMax < 1: " + stripesPerRequestMax);
            }
            this.stripesPerRequestMax = stripesPerRequestMax;
            return this;
        }

        /** Sets the most stripes one operation has in flight; bounds its shard memory. */
        public Builder stripesInFlightMax(int stripesInFlightMax) {
            if (stripesInFlightMax < 1) {
                throw new IllegalArgumentException("stripesInFlightMax < 1: " + stripesInFlightMax);
            }
            this.stripesInFlightMax = stripesInFlightMax;
            return this;
        }

        /** Sets how long a device call may take before its shards count as erasures. */
        public Builder callTimeoutMillis(long callTimeoutMillis) {
            if (callTimeoutMillis < 1) {
                throw new IllegalArgumentException("callTimeoutMillis < 1: " + callTimeoutMillis);
            }
            this.callTimeoutMillis = callTimeoutMillis;
            return this;
        }

        /**
         * Sets the scheduler for call timeouts; the caller keeps ownership. By default the array runs
         * one daemon timer thread and stops it on close.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Sets the executor for encoding, decoding and digests; by default the array owns a fixed
         * pool with one daemon thread per processor and stops it on close. (Not the common pool: where
         * its parallelism is 1, as on two cores, CompletableFuture swaps it for a new thread per task.)
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Sets the thread-safe nanosecond ticker that times rebuild rates; by default {@link System#nanoTime}. */
        public Builder nanoTicker(LongSupplier nanoTicker) {
            this.nanoTicker = Objects.requireNonNull(nanoTicker, "nanoTicker");
            return this;
        }

        /** Sets the listener told of every fault of a server (not of slots that are simply not LIVE). */
        public Builder faultListener(Consumer<ShardFault> faultListener) {
            this.faultListener = Objects.requireNonNull(faultListener, "faultListener");
            return this;
        }

        /**
         * Sets the listener told the outcome of every device call (answered or not), once per call
         * however many stripes it covered: what liveness is judged on. Must be quick and never block.
         */
        public Builder callListener(Consumer<CallOutcome> callListener) {
            this.callListener = Objects.requireNonNull(callListener, "callListener");
            return this;
        }

        /**
         * INSECURE, for a chaos test's negative control ({@code skip-digest}) only: reads take
         * every shard as good without checking it against its pinned digest, so a stale or
         * corrupt shard is decoded as if it were current. The array cannot tell its platform; the
         * cache node that sets this refuses to start unless its evidence is simulated.
         */
        public Builder uncheckedShardDigestsForNegativeControl() {
            this.shardDigestsUnchecked = true;
            return this;
        }

        /** Builds the array; all slots start LIVE at death-record version 0. */
        public SectorArray build() {
            if (devices == null) {
                throw new IllegalStateException("slots were not set");
            }
            if (scheduler != null) {
                return new SectorArray(this, scheduler, null);
            }
            ScheduledThreadPoolExecutor owned = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "sector-array-timer");
                thread.setDaemon(true);
                return thread;
            });
            // Cancelled timeouts are the common case; drop them at once instead of at their deadline.
            owned.setRemoveOnCancelPolicy(true);
            return new SectorArray(this, owned, owned);
        }
    }
}
