package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.Cluster;
import dev.ratchet.chaos.cluster.NodeProcess;
import dev.ratchet.client.RatchetClient;
import dev.ratchet.client.RatchetException;
import dev.ratchet.client.proto.RaftMember;
import dev.ratchet.client.proto.StatusResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * What a nemesis acts on: the cluster's processes, a client to ask it who leads, and the run's
 * seeded randomness for choosing targets.
 */
public final class Target {
    private final Cluster cluster;
    private final RatchetClient admin;
    private final SplittableRandom random;

    public Target(Cluster cluster, RatchetClient admin, SplittableRandom random) {
        this.cluster = cluster;
        this.admin = admin;
        this.random = random;
    }

    public Cluster cluster() {
        return cluster;
    }

    /** Picks one of {@code nodes} with the run's randomness. */
    public <T> T pick(List<T> nodes) {
        if (nodes.isEmpty()) {
            throw new IllegalStateException("nothing to pick from");
        }
        return nodes.get(random.nextInt(nodes.size()));
    }

    /** Returns a seed for a fault's own choices, drawn from the run's randomness. */
    public long nextSeed() {
        return random.nextLong();
    }

    /** Returns {@code nodes} in an order drawn from the run's randomness. */
    public <T> List<T> shuffled(List<T> nodes) {
        List<T> order = new ArrayList<>(nodes);
        for (int i = order.size() - 1; i > 0; i--) {
            Collections.swap(order, i, random.nextInt(i + 1));
        }
        return order;
    }

    /** Returns every live process of the cluster: tablet stores, sector servers and cache nodes. */
    public List<NodeProcess> allProcesses() {
        List<NodeProcess> all = new ArrayList<>(running(cluster.tabletStores()));
        all.addAll(running(cluster.sectorServers()));
        all.addAll(running(cluster.cacheNodes()));
        return all;
    }

    /** Returns the live, unpaused tablet-store nodes that are members now, leader included. */
    public List<NodeProcess> liveTabletStoreMembers() {
        return raftMembers().stream()
                .map(member -> byNodeId(member.getNodeId()))
                .flatMap(Optional::stream)
                .toList();
    }

    /** Returns the live, unpaused tablet-store node that leads now, as a cache node reports it. */
    public Optional<NodeProcess> leader() {
        return raftMembers().stream()
                .filter(RaftMember::getLeader)
                .findFirst()
                .flatMap(member -> byNodeId(member.getNodeId()));
    }

    /** Returns the live, unpaused tablet-store members that do not lead. */
    public List<NodeProcess> followers() {
        return raftMembers().stream()
                .filter(member -> !member.getLeader())
                .map(member -> byNodeId(member.getNodeId()))
                .flatMap(Optional::stream)
                .toList();
    }

    private List<RaftMember> raftMembers() {
        return status().map(StatusResponse::getRaftMembersList).orElse(List.of());
    }

    /** Returns the cluster's state as a cache node reports it, or empty if none answered. */
    public Optional<StatusResponse> status() {
        try {
            return Optional.of(admin.status());
        } catch (RatchetException e) {
            return Optional.empty();
        }
    }

    /** Returns the client endpoints of the cache nodes that are running. */
    public List<String> liveCacheEndpoints() {
        return running(cluster.cacheNodes()).stream()
                .map(node -> node.readyLine().group(1))
                .toList();
    }

    private Optional<NodeProcess> byNodeId(String nodeId) {
        return running(cluster.tabletStores()).stream()
                .filter(node -> node.readyLine().group(2).equals(nodeId))
                .findFirst();
    }

    /** Returns those of {@code nodes} that are alive and not paused: the ones a new fault may hit. */
    static List<NodeProcess> running(List<NodeProcess> nodes) {
        return nodes.stream().filter(node -> node.alive() && !node.paused()).toList();
    }
}
