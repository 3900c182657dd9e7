package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.Host;
import dev.ratchet.chaos.cluster.Network;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Random packet loss on every process's inbound traffic (iptables {@code -m statistic}): a gray
 * network where TCP retransmits, RPCs stall past their deadlines and heartbeats go missing, but
 * nothing is cleanly cut. There is no delay: this kernel has no netem.
 */
final class LossyLinks implements Nemesis {
    private final double probability;
    private boolean active;

    LossyLinks(double probability) {
        this.probability = probability;
    }

    @Override
    public String name() {
        return "lossy-links";
    }

    @Override
    public String description() {
        return String.format(
                Locale.ROOT, "every process drops %.0f%% of its inbound packets; heal at the stop", probability * 100);
    }

    @Override
    public Set<Faulted> faulted() {
        return Set.of(Faulted.TABLET_STORE, Faulted.SECTOR_SERVER, Faulted.CACHE_NODE);
    }

    @Override
    public String unavailable(Network network) {
        return network.partitions() ? "" : "it needs a network that can partition: " + network.whyNoPartitions();
    }

    @Override
    public String start(Target target) throws IOException {
        List<Host> hosts = Partition.hostsOf(target.allProcesses());
        active = true;
        for (Host host : hosts) {
            target.cluster().network().lose(host, probability);
        }
        return String.format(
                Locale.ROOT, "%d processes lose %.0f%% of inbound packets", hosts.size(), probability * 100);
    }

    @Override
    public String stop(Target target) throws IOException {
        if (!active) {
            return "nothing to heal";
        }
        active = false;
        target.cluster().network().healAll();
        return "healed every link";
    }
}
