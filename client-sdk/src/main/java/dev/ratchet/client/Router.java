package dev.ratchet.client;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Chooses the cache node order for a key: the key's tablet from the cached topology, then
 * rendezvous hashing of the tablet id over the endpoints; without a topology, rendezvous of the
 * key's ring position.
 *
 * <p>Also decides when the topology should be fetched again: when there is none (at most once per
 * {@link #FETCH_RETRY_INTERVAL} after a failed fetch), when it is older than the refresh interval,
 * or after a cache node failed. Time is passed in; it reads no clock and does no I/O. Routing is
 * only a preference: any cache node serves any key correctly, so a stale topology costs batching,
 * never correctness. Thread-safe: routing reads one volatile snapshot; the methods that replace it
 * are synchronized, so no update is lost.
 */
final class Router {
    /** How soon to ask again after a failed topology fetch: often enough to recover, rarely enough not to add load. */
    static final Duration FETCH_RETRY_INTERVAL = Duration.ofSeconds(1);

    private final List<String> endpoints;
    private final Duration refreshInterval;
    private final AtomicBoolean fetching = new AtomicBoolean();
    // Orders per tablet id. An order depends only on the id and the endpoints, so entries stay valid
    // across topologies; clearing on install only bounds the map to ids still in use.
    private final Map<Long, List<Integer>> tabletOrders = new ConcurrentHashMap<>();
    // Replaced whole; written only under this object's lock.
    private volatile State state = new State(null, Instant.MIN, Instant.MIN);

    /** The installed topology (null if none), and when a fetch is next due. */
    private record State(TabletMap tablets, Instant installedAt, Instant nextFetch) {}

    Router(List<String> endpoints, Duration refreshInterval) {
        this.endpoints = List.copyOf(endpoints);
        this.refreshInterval = Objects.requireNonNull(refreshInterval, "refreshInterval");
        if (this.endpoints.isEmpty()) {
            throw new IllegalArgumentException("a router needs at least one endpoint");
        }
    }

    /** Returns the endpoint indices in the order to try them for {@code key}. */
    List<Integer> route(byte[] key) {
        long position = Ring.position(key);
        TabletMap tablets = state.tablets();
        if (tablets == null) {
            return Rendezvous.order(Rendezvous.TokenKind.RING_POSITION, position, endpoints);
        }
        long tablet = tablets.tabletAt(position);
        return tabletOrders.computeIfAbsent(tablet, id -> Rendezvous.order(Rendezvous.TokenKind.TABLET, id, endpoints));
    }

    /** Returns whether a topology is installed. */
    boolean hasTopology() {
        return state.tablets() != null;
    }

    /**
     * Returns true, and marks a fetch as running, if a topology fetch is due at {@code now} and none
     * is running; the caller must then call {@link #installed} or {@link #fetchFailed}.
     */
    boolean startFetchIfDue(Instant now) {
        if (now.isBefore(state.nextFetch())) {
            return false;
        }
        return fetching.compareAndSet(false, true);
    }

    /** Installs a fetched topology; the next fetch is due after the refresh interval. */
    synchronized void installed(TabletMap tablets, Instant now) {
        tabletOrders.clear();
        state = new State(tablets, now, now.plus(refreshInterval));
        fetching.set(false);
    }

    /** Records a failed fetch; the current topology (if any) stays, and a fetch is due again soon. */
    synchronized void fetchFailed(Instant now) {
        State current = state;
        state = new State(current.tablets(), current.installedAt(), now.plus(FETCH_RETRY_INTERVAL));
        fetching.set(false);
    }

    /**
     * Records that a cache node failed at {@code now}: the cluster may have changed, so a fetch is
     * due, but not sooner than {@link #FETCH_RETRY_INTERVAL} after the last install.
     */
    synchronized void nodeFailed(Instant now) {
        State current = state;
        Instant earliest = current.installedAt().equals(Instant.MIN)
                ? now
                : current.installedAt().plus(FETCH_RETRY_INTERVAL);
        Instant due = earliest.isAfter(now) ? earliest : now;
        if (due.isBefore(current.nextFetch())) {
            state = new State(current.tablets(), current.installedAt(), due);
        }
    }
}
