package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.Cluster;
import dev.ratchet.chaos.cluster.NodeProcess;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Function;

/**
 * SIGKILL of one tablet-store node (the leader, or a follower), and at the stop a fresh node
 * joined in its place with {@code ratchet raft replace}: diskless nodes never come back, so the
 * dead identity leaves the group and a new one, which catches up from the others, takes its seat.
 * One node at a time keeps a majority alive (the budget).
 */
final class KillTabletStore extends OneProcessNemesis {
    private KillTabletStore(String name, String description, Function<Target, Optional<NodeProcess>> choose) {
        super(name, description, Faulted.TABLET_STORE, choose);
    }

    static KillTabletStore leader() {
        return new KillTabletStore(
                "kill-leader",
                "SIGKILL the tablet-store leader; at the stop join a fresh node in its place (raft replace)",
                Target::leader);
    }

    static KillTabletStore follower() {
        return new KillTabletStore(
                "kill-follower",
                "SIGKILL one tablet-store follower; at the stop join a fresh node in its place (raft replace)",
                target -> any(target, target.followers()));
    }

    @Override
    String inject(Target target, NodeProcess node) throws IOException {
        return super.inject(target, node) + " (" + Cluster.peerOf(node) + ")";
    }

    @Override
    String heal(Target target, NodeProcess node) throws IOException {
        NodeProcess fresh = target.cluster().startTabletStore();
        target.cluster().replaceTabletStore(node.readyLine().group(2), fresh);
        return "replaced " + node + " with " + fresh + " (" + Cluster.peerOf(fresh) + ")";
    }
}
