package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.NodeProcess;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * SIGKILL of one cache node (it may be in the middle of a batch), and at the stop a fresh cache
 * node on the same address: a new identity, as every restarted process is (diskless nodes never
 * come back). The store expires the dead one and its reservations go to pending trim. Only while
 * another cache node runs.
 */
final class KillCacheNode extends OneProcessNemesis {
    KillCacheNode() {
        super(
                "kill-cache",
                "SIGKILL one cache node; at the stop start a fresh one on its address",
                Faulted.CACHE_NODE,
                target -> {
                    List<NodeProcess> live = Target.running(target.cluster().cacheNodes());
                    return live.size() < 2 ? Optional.empty() : any(target, live);
                });
    }

    @Override
    String heal(Target target, NodeProcess node) throws IOException {
        NodeProcess fresh = target.cluster().restartCacheNode(node);
        return "started " + fresh + " in place of " + node;
    }
}
