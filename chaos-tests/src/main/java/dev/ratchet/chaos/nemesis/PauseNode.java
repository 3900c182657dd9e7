package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.NodeProcess;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * SIGSTOP of one process, SIGCONT at the stop: the process keeps its state and sockets but runs
 * no code, as a VM descheduled by its host or a long GC pause. A paused leader that comes back
 * after an election is the classic stale-read scenario (etcd #20418).
 */
final class PauseNode implements Nemesis {
    private final String name;
    private final String description;
    private final Function<Target, Optional<NodeProcess>> choose;
    private NodeProcess paused;

    PauseNode(String name, String description, Function<Target, Optional<NodeProcess>> choose) {
        this.name = name;
        this.description = description;
        this.choose = choose;
    }

    static PauseNode leader() {
        return new PauseNode("pause-leader", "SIGSTOP the tablet-store leader, SIGCONT at the stop", Target::leader);
    }

    static PauseNode follower() {
        return new PauseNode(
                "pause-follower",
                "SIGSTOP one tablet-store follower, SIGCONT at the stop",
                target -> any(target, target.followers()));
    }

    static PauseNode cacheNode() {
        return new PauseNode(
                "pause-cache",
                "SIGSTOP one cache node, SIGCONT at the stop",
                target -> any(target, Target.running(target.cluster().cacheNodes())));
    }

    static PauseNode sectorServer() {
        return new PauseNode(
                "pause-sector",
                "SIGSTOP one sector server (m allows it), SIGCONT at the stop",
                target -> any(target, Target.running(target.cluster().sectorServers())));
    }

    private static Optional<NodeProcess> any(Target target, List<NodeProcess> nodes) {
        return nodes.isEmpty() ? Optional.empty() : Optional.of(target.pick(nodes));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String start(Target target) throws IOException {
        Optional<NodeProcess> chosen = choose.apply(target);
        if (chosen.isEmpty()) {
            return "no target found";
        }
        chosen.get().pause();
        paused = chosen.get();
        return "paused " + paused;
    }

    @Override
    public String stop(Target target) throws IOException {
        if (paused == null) {
            return "nothing paused";
        }
        NodeProcess resumed = paused;
        paused = null;
        resumed.resume();
        return "resumed " + resumed;
    }
}
