package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.NodeProcess;
import dev.ratchet.client.proto.SlotStatus;
import dev.ratchet.client.proto.StatusResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * SIGKILL of one sector server: its sectors, held in RAM only, are gone. At the stop a fresh
 * server is started, and once the cache nodes have agreed the slot is DEAD, {@code ratchet
 * rebuild} copies every live stripe onto it. Only when every slot is LIVE (the budget: m = 1 in
 * the default array, and a rebuild in progress counts as a fault).
 */
final class KillSectorServer extends OneProcessNemesis {
    /** How long the cache nodes get to declare the killed server dead. */
    private static final long DEATH_WAIT_NANOS = TimeUnit.SECONDS.toNanos(90);

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    KillSectorServer() {
        super(
                "kill-sector",
                "SIGKILL one sector server; at the stop rebuild its slot onto a fresh one (ratchet rebuild)",
                target -> {
                    Optional<StatusResponse> status = target.status();
                    if (status.isEmpty() || status.get().getDegraded()) {
                        return Optional.empty(); // degraded already, or no answer: over the budget
                    }
                    return any(target, Target.running(target.cluster().sectorServers()));
                });
    }

    @Override
    String heal(Target target, NodeProcess node) throws IOException {
        int slot = awaitDead(target, node.readyLine().group(2));
        if (slot < 0) {
            return "slot of " + node + " was not DEAD within " + TimeUnit.NANOSECONDS.toSeconds(DEATH_WAIT_NANOS)
                    + " s; not rebuilt";
        }
        NodeProcess fresh = target.cluster().startSectorServer();
        String last = target.cluster().rebuild(slot, fresh, target.pick(target.liveCacheEndpoints()));
        return "slot " + slot + " of " + node + " rebuilt onto " + fresh + ": " + last;
    }

    /** Waits until Status shows the slot of {@code nodeId} DEAD; returns its index, or -1. */
    private static int awaitDead(Target target, String nodeId) {
        long deadline = System.nanoTime() + DEATH_WAIT_NANOS;
        while (System.nanoTime() - deadline < 0) {
            Optional<StatusResponse> status = target.status();
            if (status.isPresent()) {
                for (SlotStatus slot : status.get().getSlotsList()) {
                    if (slot.getNodeId().equals(nodeId) && slot.getState().equals("DEAD")) {
                        return slot.getSlotIndex();
                    }
                }
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        return -1;
    }
}
