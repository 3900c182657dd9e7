package dev.ratchet.tablet;

import dev.ratchet.tablet.proto.AuthorizedWriterSet;
import java.util.Collection;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The registered cache nodes (node id to attested measurement and heartbeat count) and the
 * version of the authorized-writer set they form.
 *
 * <p>Every registration or deregistration bumps the version, so sector servers, which refuse a
 * version at or below the installed one, always move forward. The heartbeat count is how many
 * {@code CacheNodeHeartbeat} commands a node has logged; it is a logical clock, so the state
 * stays free of wall time, and other cache nodes expire a node whose count stops moving (see
 * {@code DeregisterCacheNode.expected_heartbeats}).
 *
 * <p>Heartbeats also drive the store's logical clock ({@link #clockTicks}): it ticks when a node
 * logs its second heartbeat since the last tick, so it advances about once per heartbeat interval
 * whether one cache node runs or many (the fastest sets the pace), and stands still while none
 * runs. Not thread-safe.
 */
final class CacheNodes {
    /** One registered node: its attested measurement and the heartbeats it has logged. */
    record Registered(String measurementHex, long heartbeats) {}

    private final TreeMap<String, Registered> byId = new TreeMap<>();
    private long writerSetVersion;
    private long clockTicks;

    /** Nodes that logged a heartbeat since the clock last ticked. */
    private final TreeSet<String> beatenSinceTick = new TreeSet<>();

    boolean contains(String nodeId) {
        return byId.containsKey(nodeId);
    }

    int size() {
        return byId.size();
    }

    long writerSetVersion() {
        return writerSetVersion;
    }

    /** Returns the registered nodes by id (ascending); callers must not modify it. */
    TreeMap<String, Registered> byId() {
        return byId;
    }

    /** Adds a node with no heartbeats, without bumping the version; the caller bumps once per command. */
    void add(String nodeId, String measurementHex) {
        byId.put(nodeId, new Registered(measurementHex, 0));
    }

    /** Restores a node read from a snapshot. */
    void restore(String nodeId, String measurementHex, long heartbeats) {
        byId.put(nodeId, new Registered(measurementHex, heartbeats));
    }

    /** Removes a node without bumping the version; the caller bumps once per command. */
    void remove(String nodeId) {
        byId.remove(nodeId);
        beatenSinceTick.remove(nodeId);
    }

    /** Returns the store's logical clock (ClusterView.clock_ticks). */
    long clockTicks() {
        return clockTicks;
    }

    /** Returns the nodes that logged a heartbeat since the clock last ticked, ascending (unmodifiable). */
    SortedSet<String> beatenSinceTick() {
        return Collections.unmodifiableSortedSet(beatenSinceTick);
    }

    /** Restores the clock read from a snapshot. */
    void restoreClock(long ticks, Collection<String> beaten) {
        clockTicks = ticks;
        beatenSinceTick.clear();
        beatenSinceTick.addAll(beaten);
        if (beatenSinceTick.size() != beaten.size() || !byId.keySet().containsAll(beatenSinceTick)) {
            throw new IllegalStateException("the clock names a repeated or unregistered cache node");
        }
    }

    /** Returns the heartbeats {@code nodeId} has logged; the caller checked it is registered. */
    long heartbeats(String nodeId) {
        return byId.get(nodeId).heartbeats();
    }

    /** Counts one heartbeat of a registered node and returns the new count. */
    long heartbeat(String nodeId) {
        Registered node = byId.get(nodeId);
        // Saturates: at one heartbeat a second it would take 292 billion years to get here.
        long next = node.heartbeats() == Long.MAX_VALUE ? Long.MAX_VALUE : node.heartbeats() + 1;
        byId.put(nodeId, new Registered(node.measurementHex(), next));
        if (!beatenSinceTick.add(nodeId)) {
            // This node's second heartbeat since the last tick: about one heartbeat interval passed.
            if (clockTicks != Long.MAX_VALUE) {
                clockTicks++;
            }
            beatenSinceTick.clear();
            beatenSinceTick.add(nodeId);
        }
        return next;
    }

    /** Advances the writer-set version after a change of membership. */
    void bumpVersion() {
        writerSetVersion++;
    }

    /** Returns the authorized-writer set, node ids ascending. */
    AuthorizedWriterSet writerSet() {
        return AuthorizedWriterSet.newBuilder()
                .setVersion(writerSetVersion)
                .addAllWriterNodeIds(byId.keySet())
                .build();
    }

    /** Restores the version read from a snapshot. */
    void restoreVersion(long version) {
        this.writerSetVersion = version;
    }
}
