package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.Network;
import java.io.IOException;

/**
 * A nemesis made of packet-drop rules in the run's network namespaces (a partition, lossy links):
 * it needs a network that can partition, and it heals by removing every rule.
 */
abstract class LinkFault implements Nemesis {
    private boolean active;

    @Override
    public final String unavailable(Network network) {
        return network.partitions() ? "" : "it needs a network that can partition: " + network.whyNoPartitions();
    }

    /** To be called before the first rule goes in, so a start that fails midway is still healed. */
    final void rulesComing() {
        active = true;
    }

    @Override
    public final String stop(Target target) throws IOException {
        if (!active) {
            return "nothing to heal";
        }
        active = false;
        target.cluster().network().healAll();
        return "healed every link";
    }
}
