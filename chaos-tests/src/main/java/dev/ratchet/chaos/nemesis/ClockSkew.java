package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.FakeClock;
import dev.ratchet.chaos.cluster.Network;
import dev.ratchet.chaos.cluster.NodeProcess;
import java.io.IOException;

/**
 * Clock skew: one process's wall clock moved by up to ±60 s (libfaketime), put back at the stop.
 * Ratis times elections and leases with the monotonic clock, which is left alone, so what this
 * tests is Ratchet's own use of wall time: attestation evidence and RA-TLS certificate validity
 * windows on new connections, and anything else that reads {@code Instant.now()}.
 */
final class ClockSkew extends OneProcessNemesis {
    private static final long SKEW_SECONDS_MAX = 60;

    ClockSkew() {
        super(
                "clock-skew",
                "move one process's wall clock by up to 60 s either way (libfaketime); put it back at the stop",
                Faulted.CLOCK,
                target -> any(target, target.allProcesses()));
    }

    @Override
    public String unavailable(Network network) {
        return FakeClock.find().isPresent() ? "" : "libfaketime is not installed (apt-get install libfaketime)";
    }

    @Override
    public boolean needsFakeClocks() {
        return true;
    }

    @Override
    String inject(Target target, NodeProcess node) throws IOException {
        long skew = target.nextSeed() % SKEW_SECONDS_MAX;
        if (skew == 0) {
            skew = SKEW_SECONDS_MAX;
        }
        node.skewClock(skew);
        return "moved the clock of " + node + " by " + (skew > 0 ? "+" : "") + skew + " s";
    }

    @Override
    String heal(Target target, NodeProcess node) throws IOException {
        if (node.alive()) {
            node.skewClock(0);
        }
        return "put the clock of " + node + " back";
    }
}
