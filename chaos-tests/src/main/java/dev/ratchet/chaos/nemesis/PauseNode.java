package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.NodeProcess;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Function;

/**
 * SIGSTOP of one process, SIGCONT at the stop: the process keeps its state and sockets but runs
 * no code, as a VM descheduled by its host or a long GC pause. A paused leader that comes back
 * after an election is the classic stale-read scenario (etcd #20418).
 */
final class PauseNode extends OneProcessNemesis {
    private PauseNode(
            String name, String description, Faulted faulted, Function<Target, Optional<NodeProcess>> choose) {
        super(name, description, faulted, choose);
    }

    static PauseNode leader() {
        return new PauseNode(
                "pause-leader",
                "SIGSTOP the tablet-store leader, SIGCONT at the stop",
                Faulted.TABLET_STORE,
                Target::leader);
    }

    static PauseNode follower() {
        return new PauseNode(
                "pause-follower",
                "SIGSTOP one tablet-store follower, SIGCONT at the stop",
                Faulted.TABLET_STORE,
                target -> any(target, target.followers()));
    }

    static PauseNode cacheNode() {
        return new PauseNode(
                "pause-cache",
                "SIGSTOP one cache node, SIGCONT at the stop",
                Faulted.CACHE_NODE,
                target -> any(target, Target.running(target.cluster().cacheNodes())));
    }

    static PauseNode sectorServer() {
        return new PauseNode(
                "pause-sector",
                "SIGSTOP one sector server (m allows it), SIGCONT at the stop",
                Faulted.SECTOR_SERVER,
                target -> any(target, Target.running(target.cluster().sectorServers())));
    }

    @Override
    String inject(Target target, NodeProcess node) throws IOException {
        node.pause();
        return "paused " + node;
    }

    @Override
    String heal(Target target, NodeProcess node) throws IOException {
        node.resume();
        return "resumed " + node;
    }
}
