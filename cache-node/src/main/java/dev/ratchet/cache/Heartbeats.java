package dev.ratchet.cache;

import dev.ratchet.tablet.proto.CacheNodeHeartbeat;
import dev.ratchet.tablet.proto.CacheNodeHeartbeatResult;
import dev.ratchet.tablet.proto.DeregisterCacheNode;
import dev.ratchet.tablet.proto.DeregisterCacheNodeResult;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache nodes' liveness protocol: logs this node's heartbeats in the tablet store, and
 * expires peers whose heartbeats stopped, so that a crashed cache node leaves the authorized
 * writers (and its reserved stripes go to pending trim) without an operator.
 *
 * <p>Every {@link #HEARTBEAT_INTERVAL_NANOS} this node submits a {@code CacheNodeHeartbeat}, from
 * a thread of its own: heartbeats must not queue behind flushes that block on Raft or behind
 * rebuilds, or a busy node would be expired by its peers and fail-stop. Each maintenance round
 * reads the registered nodes and hands them to {@link PeerExpiry}; for a peer
 * stuck at the same count for the expiry time it submits a {@code DeregisterCacheNode} that
 * names that count, which the store applies only if the count is still the same, then pushes the
 * smaller writer set to the sector servers. With a single cache node nobody watches it, but
 * nothing writes either; the next node to start expires it after one expiry time.
 *
 * <p>When the store answers this node's heartbeat with UNKNOWN_CACHE_NODE (a peer expired it, an
 * operator deregistered it, or a policy change evicted it), the node has lost its reservations
 * and its place in the writer set, so it calls {@code onRemoved} once: the cache node stops
 * serving rather than re-register, since writes it still has in flight name stripes that may
 * already belong to another node. It is restarted as a new node with a new identity.
 *
 * <p>Thread-safe: {@link #beatIfDue} runs on the node's heartbeat thread, {@link #expireOverdue}
 * on the maintenance task.
 */
final class Heartbeats {
    private static final Logger log = LoggerFactory.getLogger(Heartbeats.class);

    /** How often a node logs a heartbeat: 2 s, one small Raft entry per node. */
    static final long HEARTBEAT_INTERVAL_NANOS = 2_000_000_000L;

    /**
     * How long a peer's count may stand still before it is expired, by default: 30 s, fifteen
     * missed heartbeats, so an overloaded store or a long pause does not expire a healthy node.
     */
    static final long EXPIRY_NANOS_DEFAULT = 30_000_000_000L;

    private final TabletDirectory directory;
    private final WriterSetPush writerSets;
    private final LongSupplier nanoClock;
    private final PeerExpiry peers;
    private final Runnable onRemoved;
    private final AtomicBoolean removed = new AtomicBoolean();
    private final Object beatLock = new Object();

    /** Guarded by {@link #beatLock}. */
    private long lastBeatNanos;

    /** Guarded by {@link #beatLock}. */
    private boolean beaten;

    Heartbeats(
            TabletDirectory directory,
            WriterSetPush writerSets,
            LongSupplier nanoClock,
            long expiryNanos,
            Runnable onRemoved) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.writerSets = Objects.requireNonNull(writerSets, "writerSets");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.peers = new PeerExpiry(directory.nodeId(), expiryNanos);
        this.onRemoved = Objects.requireNonNull(onRemoved, "onRemoved");
    }

    /**
     * Logs a heartbeat if one is due. Runs on the node's own heartbeat thread, never on a worker,
     * so that a node whose workers all wait on flushes or rebuilds still proves it is alive.
     */
    void beatIfDue() {
        beat(false);
    }

    /**
     * Expires peers whose heartbeats stood still for the expiry time. Runs on the maintenance task;
     * a late round only expires a dead peer later.
     */
    void expireOverdue() {
        synchronized (peers) {
            if (removed.get()) {
                return;
            }
            for (PeerExpiry.Overdue peer :
                    peers.observe(directory.cluster().getCacheNodesList(), nanoClock.getAsLong())) {
                expire(peer);
            }
        }
    }

    /** Logs a heartbeat now, due or not, then runs an expiry round (for tests). */
    void roundNow() {
        beat(true);
        expireOverdue();
    }

    /** Whether the store has told this node it is no longer registered. */
    boolean removed() {
        return removed.get();
    }

    private void beat(boolean evenIfNotDue) {
        synchronized (beatLock) {
            if (removed.get()) {
                return;
            }
            long now = nanoClock.getAsLong();
            if (!evenIfNotDue && beaten && now - lastBeatNanos < HEARTBEAT_INTERVAL_NANOS) {
                return;
            }
            beaten = true;
            lastBeatNanos = now;
            submitBeat();
        }
    }

    private void submitBeat() {
        CacheNodeHeartbeatResult result = directory
                .submit(directory
                        .command()
                        .setCacheNodeHeartbeat(CacheNodeHeartbeat.newBuilder().setNodeId(directory.nodeId()))
                        .build())
                .getCacheNodeHeartbeat();
        directory.observeClock(result.getClockTicks());
        if (result.getStatus() == CacheNodeHeartbeatResult.Status.UNKNOWN_CACHE_NODE) {
            if (removed.compareAndSet(false, true)) {
                log.error(
                        "cache node {} is no longer registered with the tablet store (expired, deregistered or"
                                + " evicted by policy); it stops serving and must be restarted as a new node",
                        directory.nodeId());
                onRemoved.run();
            }
        } else if (result.getStatus() != CacheNodeHeartbeatResult.Status.OK) {
            log.warn("heartbeat refused: {}", result);
        }
    }

    private void expire(PeerExpiry.Overdue peer) {
        DeregisterCacheNodeResult result = directory
                .submit(directory
                        .command()
                        .setDeregisterCacheNode(DeregisterCacheNode.newBuilder()
                                .setNodeId(peer.nodeId())
                                .setExpectedHeartbeats(peer.heartbeats()))
                        .build())
                .getDeregisterCacheNode();
        if (result.getStatus() == DeregisterCacheNodeResult.Status.OK) {
            log.warn(
                    "expired cache node {}: its heartbeats stopped at {}; writer set is now version {}",
                    peer.nodeId(),
                    peer.heartbeats(),
                    result.getWriterSetVersion());
            writerSets.pushCurrent();
        } else {
            // HEARTBEAT_MOVED: it is alive after all; UNKNOWN_CACHE_NODE: someone else expired it.
            log.info("did not expire cache node {}: {}", peer.nodeId(), result.getStatus());
        }
    }
}
