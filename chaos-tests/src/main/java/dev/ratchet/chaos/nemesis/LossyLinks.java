package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.Host;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Random packet loss on every process's inbound traffic (iptables {@code -m statistic}): a gray
 * network where TCP retransmits, RPCs stall past their deadlines and heartbeats go missing, but
 * nothing is cleanly cut. There is no delay: this kernel has no netem.
 */
final class LossyLinks extends LinkFault {
    private final double probability;

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
    public String start(Target target) throws IOException {
        List<Host> hosts = Partition.hostsOf(target.allProcesses());
        rulesComing();
        for (Host host : hosts) {
            target.cluster().network().lose(host, probability);
        }
        return String.format(
                Locale.ROOT, "%d processes lose %.0f%% of inbound packets", hosts.size(), probability * 100);
    }
}
