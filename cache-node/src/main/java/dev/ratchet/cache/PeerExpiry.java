package dev.ratchet.cache;

import dev.ratchet.tablet.proto.CacheNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides which other cache nodes have stopped: those whose heartbeat count, as the tablet store
 * lists it, has not moved for the expiry time on this node's own monotonic clock.
 *
 * <p>Pure and deterministic: the caller passes each cluster view with the time it saw it. The
 * count is the store's logical clock (one per logged heartbeat), so a peer's clock plays no part;
 * this node's clock only measures how long a count stayed the same. A host that speeds that clock
 * up can make this node expire a healthy peer early, which costs availability (the peer stops and
 * is restarted as a new node) and never safety: the expiry names the count it saw, and the store
 * refuses it if the peer logged another heartbeat since.
 *
 * <p>Not thread-safe; one maintenance task owns it.
 */
final class PeerExpiry {
    /** A peer to expire and the heartbeat count it has been stuck at. */
    record Overdue(String nodeId, long heartbeats) {}

    private record Seen(long heartbeats, long sinceNanos) {}

    private final String self;
    private final long expiryNanos;
    private final Map<String, Seen> seen = new HashMap<>();

    PeerExpiry(String self, long expiryNanos) {
        this.self = Objects.requireNonNull(self, "self");
        if (expiryNanos <= 0) {
            throw new IllegalArgumentException("expiryNanos must be positive: " + expiryNanos);
        }
        this.expiryNanos = expiryNanos;
    }

    /**
     * Takes a view of the registered nodes seen at {@code nowNanos} and returns the peers whose
     * count has not moved for at least the expiry time, in the view's (ascending id) order. A node
     * first seen now starts its wait now, so a node that just started watching expires nobody for
     * one whole expiry time.
     */
    List<Overdue> observe(List<CacheNode> registered, long nowNanos) {
        Map<String, Seen> next = new HashMap<>();
        List<Overdue> overdue = new ArrayList<>();
        for (CacheNode node : registered) {
            if (node.getNodeId().equals(self)) {
                continue;
            }
            Seen before = seen.get(node.getNodeId());
            Seen now = before != null && before.heartbeats() == node.getHeartbeats()
                    ? before
                    : new Seen(node.getHeartbeats(), nowNanos);
            next.put(node.getNodeId(), now);
            if (nowNanos - now.sinceNanos() >= expiryNanos) {
                overdue.add(new Overdue(node.getNodeId(), now.heartbeats()));
            }
        }
        // Forget nodes no longer registered: one that comes back is a new node with a new id.
        seen.clear();
        seen.putAll(next);
        return overdue;
    }
}
