package dev.ratchet.cache;

import static dev.ratchet.tablet.proto.SlotState.SLOT_DEAD;
import static dev.ratchet.tablet.proto.SlotState.SLOT_LIVE;

import dev.ratchet.sector.array.ArrayHealth;
import dev.ratchet.sector.array.CallOutcome;
import dev.ratchet.sector.array.SectorArray;
import dev.ratchet.sector.array.SectorDevice;
import dev.ratchet.sector.array.ShardFault;
import dev.ratchet.sector.array.SlotState;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.DeathSuspicion;
import dev.ratchet.tablet.proto.MarkSlotDead;
import dev.ratchet.tablet.proto.MarkSlotDeadResult;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.Slot;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletMeta;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the sector servers through the array's call outcomes and fault reports, and decides
 * what this cache node tells the tablet store about them (ARCHITECTURE.md, "Deaths").
 *
 * <ul>
 *   <li>Each unanswered call is one strike against its server, each answered call takes one away
 *       ({@link SlotStrikes}). At {@value ServingLimits#UNAVAILABLE_STRIKES_MAX} strikes this node
 *       reports the server with {@code MarkSlotDead}, naming itself as reporter. The store makes
 *       it a death only once another cache node reports it too and only while k slots stay LIVE;
 *       until then it is a suspicion.
 *   <li>A suspicion another node reported is probed here ({@link SectorArray#probe}), so a server
 *       that really died is corroborated even by a node that is not writing to it, and one that
 *       answers this node is not.
 *   <li>When more than m slots are failing at once, the likelier story is that this node's own
 *       links are down, not that m + 1 servers died together: it reports none of them, stops
 *       serving with the reason ({@link LinkHealth#linksDown}), and probes every slot on each
 *       maintenance round until no more than m fail, then serves again.
 *   <li>A server that lied (bad proof, malformed reply, a shard that does not match the digest
 *       that k other shards of its stripe matched) is decoded around, and once it has lied about
 *       {@value ServingLimits#LIED_STRIPES_MAX} distinct stripes within {@link #LIE_WINDOW_NANOS}
 *       ({@link SlotLies}) it is reported with cause LIED, which the store makes a death on one
 *       report (still under the cap of k LIVE slots). Digest mismatches on a server this node
 *       adopted as a replacement count once the store has the slot LIVE, and it is reported only
 *       on stripes that are live now: a rebuilt server holds every version live when its rebuild
 *       began or committed since, but not versions superseded before that, which a node may still
 *       read (ARCHITECTURE.md, "Deaths").
 * </ul>
 *
 * <p>A death is always decided by a tablet-store command (with the next death-record version), so
 * every cache node applies the same deaths in the same order; the local array only follows.
 *
 * <p>Thread-safe. {@link #onCall} and {@link #onFault} are the array's listeners and only count;
 * reports run on the given executor.
 */
final class SlotWatch {
    private static final Logger log = LoggerFactory.getLogger(SlotWatch.class);

    /** Strikes older than this are forgotten: 10 s, so a brief network blip never kills a server. */
    static final long STRIKE_WINDOW_NANOS = 10_000_000_000L;

    /** Lies older than this are forgotten: 60 s. */
    static final long LIE_WINDOW_NANOS = 60_000_000_000L;

    /** Longest a failed write waits for another node to corroborate its report: 10 s. */
    static final long CORROBORATION_WAIT_NANOS = 10_000_000_000L;

    /** How often that wait re-reads the array view: 200 ms, a linearizable query each. */
    static final long CORROBORATION_POLL_NANOS = 200_000_000L;

    /** What this watch tells the node when it suspects its own links, and when they are back. */
    interface LinkHealth {
        /** This node cannot reach more than m servers: it must stop serving, saying {@code reason}. */
        void linksDown(String reason);

        /** Enough servers answer again: the node may serve. */
        void linksUp();
    }

    private final TabletDirectory directory;
    private final Executor executor;
    private final WriterSetPush writerSets;
    private final int slotCount;
    private final int paritySlotCount;
    private final Rebuilds.DeviceOpener opener;
    private final LongSupplier nanoClock;
    private final LinkHealth links;

    /** Slots this node is rebuilding itself: never adopted from the view. */
    private final Set<Integer> ownRebuilds = ConcurrentHashMap.newKeySet();

    /** Set once the array exists (the array takes this watch's listener at build). */
    private volatile SectorArray array;

    /** Guarded by {@code this}. */
    private final SlotStrikes strikes;

    /** Guarded by {@code this}. */
    private final SlotLies lies;

    /**
     * Per slot, the server it held when this node started: the only one whose digest mismatches
     * count as lies (see the class comment). Written once in {@link #attach}.
     */
    private volatile String[] originalServers = new String[0];

    /** Per slot, the server the store had LIVE at this node's last {@link #follow}, else null. */
    private volatile String[] liveInStore = new String[0];

    /** Whether this node suspects its own links; set and cleared under {@code this}. */
    private volatile boolean linksDown;

    /** Set while a round of probes of every slot runs (links down), so rounds never overlap. */
    private final AtomicBoolean probingAll = new AtomicBoolean();

    /** Slots with a probe in flight for another node's suspicion. */
    private final Set<Integer> probing = ConcurrentHashMap.newKeySet();

    SlotWatch(
            TabletDirectory directory,
            Executor executor,
            WriterSetPush writerSets,
            int slotCount,
            int paritySlotCount,
            Rebuilds.DeviceOpener opener,
            LongSupplier nanoClock,
            LinkHealth links) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.writerSets = Objects.requireNonNull(writerSets, "writerSets");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.links = Objects.requireNonNull(links, "links");
        this.slotCount = slotCount;
        this.paritySlotCount = paritySlotCount;
        this.strikes = new SlotStrikes(slotCount, ServingLimits.UNAVAILABLE_STRIKES_MAX, STRIKE_WINDOW_NANOS);
        this.lies = new SlotLies(slotCount, ServingLimits.LIED_STRIPES_MAX, LIE_WINDOW_NANOS);
    }

    void attach(SectorArray sectorArray) {
        this.array = Objects.requireNonNull(sectorArray, "sectorArray");
        this.originalServers = sectorArray.health().slots().stream()
                .map(ArrayHealth.SlotHealth::nodeId)
                .toArray(String[]::new);
    }

    /** The array's call listener: one strike per unanswered call, one fewer per answered one. Quick, never blocks. */
    void onCall(CallOutcome call) {
        boolean struckOut;
        synchronized (this) {
            if (call.answered()) {
                strikes.answered(call.slot(), nanoClock.getAsLong());
                return;
            }
            struckOut = strikes.strike(call.slot(), nanoClock.getAsLong());
        }
        if (struckOut) {
            executor.execute(() -> reportDeadQuietly(call.slot(), call.nodeId()));
        }
    }

    /**
     * The array's fault listener: counts lies, and reports a server once it lied about enough
     * distinct stripes (unavailability is judged per call, in {@link #onCall}). Quick, never
     * blocks.
     */
    void onFault(ShardFault fault) {
        if (!fault.kind().isLie() || fault.nodeId() == null) {
            return;
        }
        log.warn(
                "sector server {} in slot {} answered falsely ({}) about sector {}; decoded around it: {}",
                fault.nodeId(),
                fault.slot(),
                fault.kind(),
                fault.sectorIndex(),
                fault.detail());
        if (!countsAsLie(fault)) {
            return;
        }
        boolean reached;
        synchronized (this) {
            reached = lies.lied(fault.slot(), fault.sectorIndex(), nanoClock.getAsLong());
        }
        if (reached && isOriginal(fault)) {
            executor.execute(() -> reportLiarQuietly(fault.slot(), fault.nodeId()));
        } else if (reached) {
            executor.execute(() -> reportReplacementLiarQuietly(fault.slot(), fault.nodeId()));
        }
    }

    /**
     * Whether a false answer counts. Bad proofs and malformed replies always do. A digest mismatch
     * counts on a server this node started with, and on a replacement once the store has its slot
     * LIVE (its rebuild complete); while it is REBUILDING it honestly lacks stripes not copied yet.
     */
    private boolean countsAsLie(ShardFault fault) {
        if (fault.kind() != ShardFault.Kind.DIGEST_MISMATCH) {
            return true;
        }
        String[] live = liveInStore;
        return isOriginal(fault)
                || (fault.slot() >= 0
                        && fault.slot() < live.length
                        && fault.nodeId().equals(live[fault.slot()]));
    }

    private boolean isOriginal(ShardFault fault) {
        String[] original = originalServers;
        return fault.slot() >= 0
                && fault.slot() < original.length
                && fault.nodeId().equals(original[fault.slot()]);
    }

    /**
     * A replacement server reached the lie threshold: it is reported only on stripes that are live
     * now. A rebuilt server holds every live stripe (the rebuild's snapshot and every version
     * committed since), but not versions superseded before the rebuild began, which this node may
     * still read (its last committed version of a tablet a peer wrote since) until they are
     * trimmed; a mismatch on one of those is no lie. One Ring query tells them apart.
     */
    private void reportReplacementLiarQuietly(int slot, String nodeId) {
        Set<Long> live = new HashSet<>();
        try {
            for (TabletMeta tablet : directory.refreshRing().tablets()) {
                for (TabletBlob blob : TabletBlobs.blobsOf(tablet)) {
                    live.addAll(blob.getStripesList());
                }
            }
        } catch (RuntimeException e) {
            log.warn("could not check the stripes slot {} ({}) lied about: {}", slot, nodeId, e.getMessage());
            return;
        }
        boolean stillLying;
        synchronized (this) {
            lies.keepOnly(slot, live);
            stillLying = lies.count(slot, nanoClock.getAsLong()) >= ServingLimits.LIED_STRIPES_MAX;
        }
        if (stillLying) {
            reportLiarQuietly(slot, nodeId);
        } else {
            log.info("slot {}'s replacement {} mismatched only on stripes no longer live; not a lie", slot, nodeId);
        }
    }

    /**
     * While this node suspects its own links, probes every slot once (one round at a time); when
     * no more than m fail to answer, forgets the answered slots' strikes and serves again. Runs on
     * the maintenance task; never blocks on the probes.
     */
    void probeIfLinksDown() {
        if (!linksDown || !probingAll.compareAndSet(false, true)) {
            return;
        }
        SectorArray local = array;
        List<Integer> probed = new ArrayList<>();
        List<CompletableFuture<Boolean>> answers = new ArrayList<>();
        for (ArrayHealth.SlotHealth slot : local.health().slots()) {
            if (slot.state() == SlotState.DEAD) {
                continue;
            }
            probed.add(slot.slot());
            answers.add(local.probe(slot.slot()).handle((ok, failure) -> failure == null));
        }
        CompletableFuture.allOf(answers.toArray(new CompletableFuture<?>[0])).whenComplete((done, failure) -> {
            try {
                List<Integer> answered = new ArrayList<>();
                for (int i = 0; i < probed.size(); i++) {
                    if (answers.get(i).join()) {
                        answered.add(probed.get(i));
                    }
                }
                linksBackIfFew(probed.size() - answered.size(), answered);
            } finally {
                probingAll.set(false);
            }
        });
    }

    /**
     * Ends the suspicion of this node's links if no more than m slots failed the probe round: the
     * answered slots' strikes (gathered while the links were down) are forgotten, so the first
     * failure after recovery does not count the outage again.
     */
    private synchronized void linksBackIfFew(int unanswered, List<Integer> answered) {
        if (!linksDown || unanswered > paritySlotCount) {
            return;
        }
        answered.forEach(strikes::reset);
        linksDown = false;
        log.warn(
                "cache node {} reaches its sector servers again ({} unanswered); serving",
                directory.nodeId(),
                unanswered);
        links.linksUp();
    }

    /**
     * Called on a failed array write before it is retried: pushes the writer set again if a
     * server did not know this node, and reports dead the servers that struck out, so the retry
     * skips them.
     */
    void afterWriteFailure(List<ShardFault> faults) {
        for (ShardFault fault : faults) {
            if (fault.kind() == ShardFault.Kind.REFUSED
                    && (fault.detail().contains("WRITER_NOT_AUTHORIZED")
                            || fault.detail().contains("AUTHORIZATION_STALE"))) {
                writerSets.pushCurrent();
                return;
            }
        }
        for (ShardFault fault : faults) {
            if (fault.kind() == ShardFault.Kind.UNAVAILABLE && struckOut(fault.slot())) {
                reportDeadQuietly(fault.slot(), fault.nodeId());
            }
        }
        for (ShardFault fault : faults) {
            if (fault.kind() == ShardFault.Kind.UNAVAILABLE) {
                awaitCorroboration(fault.slot(), fault.nodeId());
            }
        }
    }

    /**
     * While this node's report of {@code slot}'s server is a suspicion in the store, waits (at most
     * {@link #CORROBORATION_WAIT_NANOS}) for another node to corroborate it, so the retried write
     * can skip a server that really died instead of failing on it again. Returns at once if the
     * slot is not suspected by this node.
     */
    private void awaitCorroboration(int slot, String nodeId) {
        long deadline = nanoClock.getAsLong() + CORROBORATION_WAIT_NANOS;
        while (true) {
            ArrayView view = directory.array();
            Slot current = view.getSlots(slot);
            if (current.getState() == SLOT_DEAD || !current.getNodeId().equals(nodeId)) {
                follow(view);
                return;
            }
            boolean suspectedByMe = view.getDeathSuspicionsList().stream()
                    .anyMatch(suspicion -> suspicion.getSlotIndex() == slot
                            && suspicion.getNodeId().equals(nodeId)
                            && suspicion.getReporterCacheNodeId().equals(directory.nodeId()));
            if (!suspectedByMe || nanoClock.getAsLong() - deadline >= 0) {
                return;
            }
            LockSupport.parkNanos(CORROBORATION_POLL_NANOS);
        }
    }

    private synchronized boolean struckOut(int slot) {
        return strikes.struckOut(slot, nanoClock.getAsLong());
    }

    /**
     * Brings the local array in line with {@code view}: applies every death it has not applied,
     * and adopts a server that another cache node put into a slot (REBUILDING or already LIVE),
     * so this node's writes reach it too. Shards such a server lacks (stripes this node wrote
     * before it adopted the server) fail their digests and are decoded around.
     */
    synchronized void follow(ArrayView view) {
        SectorArray local = array;
        String[] live = new String[view.getSlotsCount()];
        for (Slot slot : view.getSlotsList()) {
            if (slot.getState() == SLOT_LIVE && slot.getSlotIndex() < live.length) {
                live[slot.getSlotIndex()] = slot.getNodeId();
            }
        }
        liveInStore = live;
        for (Slot slot : view.getSlotsList()) {
            int index = slot.getSlotIndex();
            ArrayHealth.SlotHealth mine = local.health().slots().get(index);
            boolean replaced = !slot.getNodeId().equals(mine.nodeId());
            boolean deadThere = slot.getState() == SLOT_DEAD || replaced;
            if (deadThere
                    && mine.state() != SlotState.DEAD
                    && view.getDeathRecordVersion() > mine.deathRecordVersion()) {
                log.warn(
                        "slot {} ({}) is dead in the tablet store; writes skip it, reads decode around it",
                        index,
                        mine.nodeId());
                local.markDead(index, view.getDeathRecordVersion());
            }
            if (replaced
                    && slot.getState() != SLOT_DEAD
                    && !ownRebuilds.contains(index)
                    && local.health().slots().get(index).state() == SlotState.DEAD) {
                adopt(local, slot);
            }
        }
        probeSuspicions(view, local);
    }

    /**
     * Probes each server another node suspects and this node has not reported: the outcome goes
     * to {@link #onCall} like any call's, so a server this node cannot reach either strikes out
     * and is reported (corroborated), and one that answers takes no strike. One probe per slot
     * at a time.
     */
    private void probeSuspicions(ArrayView view, SectorArray local) {
        for (DeathSuspicion suspicion : view.getDeathSuspicionsList()) {
            int index = suspicion.getSlotIndex();
            if (suspicion.getReporterCacheNodeId().equals(directory.nodeId())
                    || index >= slotCount
                    || !local.health().slots().get(index).nodeId().equals(suspicion.getNodeId())
                    || !probing.add(index)) {
                continue;
            }
            probeRepeatedly(local, index, ServingLimits.UNAVAILABLE_STRIKES_MAX);
        }
    }

    /**
     * Probes slot {@code index} up to {@code attempts} times in a row, stopping at the first
     * answer: enough unanswered probes strike the server out (and report it) within one round,
     * so a corroboration takes seconds, not one maintenance round per strike.
     */
    private void probeRepeatedly(SectorArray local, int index, int attempts) {
        local.probe(index).whenComplete((ok, failure) -> {
            if (failure != null && attempts > 1) {
                probeRepeatedly(local, index, attempts - 1);
            } else {
                probing.remove(index);
            }
        });
    }

    /** The maintenance round's {@link #follow}: skipped while a test holds it. */
    void followFromMaintenance(ArrayView view) {
        if (!followHeldForTest) {
            follow(view);
        }
    }

    /**
     * Follows the store's current view at once: the store refused a blob this node wrote because
     * it skipped a server the store has in a slot (ARRAY_CHANGED), so the next write must reach
     * it.
     */
    void catchUp() {
        follow(directory.array());
    }

    /**
     * Test hook, off by default: while set, {@link #followFromMaintenance} changes nothing, as if
     * this node's maintenance rounds were slow to see deaths and replacements. Set only through
     * {@link CacheNode#holdMaintenanceFollowForTest}.
     */
    private volatile boolean followHeldForTest;

    void holdFollowForTest(boolean held) {
        followHeldForTest = held;
    }

    /**
     * Marks {@code slot} as rebuilt by this node until {@link #endOwnRebuild}; returns false if it
     * already is.
     */
    boolean beginOwnRebuild(int slot) {
        return ownRebuilds.add(slot);
    }

    void endOwnRebuild(int slot) {
        ownRebuilds.remove(slot);
    }

    private void adopt(SectorArray local, Slot slot) {
        SectorDevice device;
        try {
            device = opener.open(slot.getNodeId(), slot.getAddress());
        } catch (SSLException | RuntimeException e) {
            log.warn("cannot open slot {}'s new server {}: {}", slot.getSlotIndex(), slot.getNodeId(), e.getMessage());
            return;
        }
        // A rebuild of no stripes swaps the device in: DEAD -> REBUILDING -> LIVE.
        local.rebuild(slot.getSlotIndex(), device, new long[0], List.of(), progress -> {})
                .whenComplete((done, failure) -> {
                    if (failure != null) {
                        device.close();
                        log.warn(
                                "adopting slot {}'s new server {} failed: {}",
                                slot.getSlotIndex(),
                                slot.getNodeId(),
                                failure.getMessage());
                    } else {
                        log.warn(
                                "slot {} now served by {} (another cache node replaced its server)",
                                slot.getSlotIndex(),
                                slot.getNodeId());
                    }
                })
                .join();
    }

    /**
     * Reports slot {@code slot}'s server {@code nodeId} to the tablet store as unreachable and
     * applies the outcome locally; a server already replaced or already dead is left as the store
     * says. If more than m slots are failing, reports nothing and suspects this node's own links.
     */
    synchronized void reportDead(int slot, String nodeId) {
        if (linksDown) {
            return;
        }
        int failing = strikes.failingCount(nanoClock.getAsLong());
        if (failing > paritySlotCount) {
            linksDown = true;
            String reason = "this cache node cannot reach " + failing + " of its " + slotCount
                    + " sector servers at once, more than the " + paritySlotCount
                    + " the array can lose; it suspects its own links, reports none of them dead, and"
                    + " serves again once they answer";
            log.error("{}", reason);
            links.linksDown(reason);
            return;
        }
        submitDeath(slot, nodeId, MarkSlotDead.Cause.UNREACHABLE);
    }

    /**
     * Reports slot {@code slot}'s server {@code nodeId} to the tablet store as a liar and applies
     * the outcome locally. Unlike {@link #reportDead}, this node's links do not matter: what it
     * saw came over attested TLS from that server.
     */
    synchronized void reportLiar(int slot, String nodeId) {
        submitDeath(slot, nodeId, MarkSlotDead.Cause.LIED);
    }

    private void submitDeath(int slot, String nodeId, MarkSlotDead.Cause cause) {
        for (int attempt = 0; attempt < 3; attempt++) {
            ArrayView view = directory.array();
            Slot current = view.getSlots(slot);
            if (!current.getNodeId().equals(nodeId) || current.getState() == SLOT_DEAD) {
                follow(view);
                return;
            }
            Result result = directory.submit(directory
                    .command()
                    .setMarkSlotDead(MarkSlotDead.newBuilder()
                            .setSlotIndex(slot)
                            .setExpectedNodeId(nodeId)
                            .setDeathRecordVersion(view.getDeathRecordVersion() + 1)
                            .setReporterCacheNodeId(directory.nodeId())
                            .setCause(cause))
                    .build());
            MarkSlotDeadResult marked = result.getMarkSlotDead();
            switch (marked.getStatus()) {
                case OK -> {
                    log.warn(
                            "sector server {} in slot {} {}; marked it dead with {} reporters"
                                    + " (death record {}, {} slots degraded)",
                            nodeId,
                            slot,
                            cause == MarkSlotDead.Cause.LIED
                                    ? "lied about " + ServingLimits.LIED_STRIPES_MAX + " stripes"
                                    : "stopped answering",
                            marked.getReporterCount(),
                            marked.getDeathRecordVersion(),
                            marked.getDegradedSlotCount());
                    strikes.reset(slot);
                    lies.reset(slot);
                    follow(directory.array());
                    return;
                }
                case SUSPECTED -> {
                    // Strikes start over, so a server that stays unreachable is reported again
                    // and the suspicion stays fresh until another node corroborates it.
                    log.warn(
                            "sector server {} in slot {} stopped answering this node; reported it, {} of {}"
                                    + " cache nodes needed so far",
                            nodeId,
                            slot,
                            marked.getReporterCount(),
                            marked.getReportersNeeded());
                    strikes.reset(slot);
                    return;
                }
                case TOO_MANY_DEAD -> {
                    log.error(
                            "sector server {} in slot {} {}, but {}",
                            nodeId,
                            slot,
                            cause == MarkSlotDead.Cause.LIED ? "lied" : "stopped answering",
                            marked.getDetail());
                    strikes.reset(slot);
                    lies.reset(slot);
                    return;
                }
                case STALE_DEATH_VERSION -> {
                    // Another death committed meanwhile: read the new version and try again.
                }
                default -> {
                    follow(directory.array());
                    return;
                }
            }
        }
    }

    private void reportLiarQuietly(int slot, String nodeId) {
        try {
            reportLiar(slot, nodeId);
        } catch (RuntimeException e) {
            log.warn("could not report slot {} ({}) as lying: {}", slot, nodeId, e.getMessage());
        }
    }

    private void reportDeadQuietly(int slot, String nodeId) {
        try {
            reportDead(slot, nodeId);
        } catch (RuntimeException e) {
            log.warn("could not report slot {} ({}) dead: {}", slot, nodeId, e.getMessage());
        }
    }
}
