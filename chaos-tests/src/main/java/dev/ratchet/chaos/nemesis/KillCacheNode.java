package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.NodeProcess;
import java.io.IOException;
import java.util.List;

/**
 * SIGKILL of one cache node (it may be in the middle of a batch), and at the stop a fresh cache
 * node on the same address: a new identity, as every restarted process is (diskless nodes never
 * come back). The store expires the dead one and its reservations go to pending trim.
 */
final class KillCacheNode implements Nemesis {
    private NodeProcess killed;

    @Override
    public String name() {
        return "kill-cache";
    }

    @Override
    public String description() {
        return "SIGKILL one cache node; at the stop start a fresh one on its address";
    }

    @Override
    public String start(Target target) {
        List<NodeProcess> live = Target.running(target.cluster().cacheNodes());
        if (live.size() < 2) {
            return "no target: fewer than two cache nodes are up";
        }
        killed = target.pick(live);
        killed.kill();
        return "killed " + killed;
    }

    @Override
    public String stop(Target target) throws IOException {
        if (killed == null) {
            return "nothing killed";
        }
        NodeProcess dead = killed;
        killed = null;
        NodeProcess fresh = target.cluster().restartCacheNode(dead);
        return "started " + fresh + " in place of " + dead;
    }
}
