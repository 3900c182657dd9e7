package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.NodeProcess;
import dev.ratchet.client.proto.SlotStatus;
import dev.ratchet.client.proto.StatusResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * A fault of one sector server (m = 1 in the default array allows one), healed by replacing it:
 * at the stop the server is killed if it still runs, and once the cache nodes have agreed its
 * slot is DEAD, {@code ratchet rebuild} copies every live stripe onto a fresh server. Chosen only
 * when every slot is LIVE (a rebuild in progress counts as a fault).
 *
 * <ul>
 *   <li>{@code kill-sector}: SIGKILL; its sectors, in RAM only, are gone.
 *   <li>{@code rollback-sector} (a server in a data slot, which reads fetch first): a host restoring an old copy of the server's RAM: a snapshot, 2 s
 *       of writes, then the snapshot put back, so it serves sectors older than the tablet store's
 *       pinned digests.
 *   <li>{@code corrupt-sector} (a server in a data slot): a host flipping bits in 64 used sectors,
 *       and in every sector written from then on (stored stripes are soon replaced by newer ones,
 *       so corruption at rest alone would rarely be read).
 *   <li>{@code fork-sector} (a server in a data slot): a host that cloned the server's VM and
 *       routes one cache node to the clone: one identity, two histories that diverge from the
 *       fork on, each cache node seeing the other's writes missing.
 * </ul>
 *
 * A lying server must be caught by the pinned shard digests and decoded around: no read may
 * return a stale or garbled value, and the liar's slot goes DEAD.
 */
final class SectorServerFault extends OneProcessNemesis {
    /** How long the cache nodes get to declare the faulted server dead. */
    private static final long DEATH_WAIT_NANOS = TimeUnit.SECONDS.toNanos(90);

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long CONTROL_TIMEOUT_MILLIS = 30_000;

    /** How far back a rollback goes: the writes of this long are forgotten. */
    private static final long ROLLBACK_NANOS = TimeUnit.SECONDS.toNanos(2);

    private static final int CORRUPTED_SECTORS = 64;

    private enum Kind {
        KILL,
        ROLLBACK,
        CORRUPT,
        FORK
    }

    private final Kind kind;

    private SectorServerFault(String name, String description, Kind kind) {
        super(name, description, Faulted.SECTOR_SERVER, target -> choose(target, kind));
        this.kind = kind;
    }

    /**
     * A running sector server while no slot is degraded (else over the budget, or no answer);
     * for a lie, one in a data slot, since reads fetch the data slots first and a lie elsewhere
     * might never be read.
     */
    private static Optional<NodeProcess> choose(Target target, Kind kind) {
        Optional<StatusResponse> status = target.status();
        if (status.isEmpty() || status.get().getDegraded()) {
            return Optional.empty();
        }
        List<NodeProcess> running = Target.running(target.cluster().sectorServers());
        if (kind == Kind.KILL) {
            return any(target, running);
        }
        Set<String> dataSlotServers = status.get().getSlotsList().stream()
                .filter(slot -> slot.getSlotIndex() < target.cluster().spec().dataShards())
                .map(SlotStatus::getNodeId)
                .collect(Collectors.toSet());
        return any(
                target,
                running.stream()
                        .filter(node ->
                                dataSlotServers.contains(node.readyLine().group(2)))
                        .toList());
    }

    static SectorServerFault kill() {
        return new SectorServerFault(
                "kill-sector",
                "SIGKILL one sector server; at the stop rebuild its slot onto a fresh one (ratchet rebuild)",
                Kind.KILL);
    }

    static SectorServerFault rollback() {
        return new SectorServerFault(
                "rollback-sector",
                "roll one sector server's RAM back 2 s (snapshot, writes, restore); at the stop replace and"
                        + " rebuild it",
                Kind.ROLLBACK);
    }

    static SectorServerFault corrupt() {
        return new SectorServerFault(
                "corrupt-sector",
                "flip bits in " + CORRUPTED_SECTORS + " used sectors of one sector server and in every sector it"
                        + " stores next; at the stop replace and rebuild it",
                Kind.CORRUPT);
    }

    static SectorServerFault fork() {
        return new SectorServerFault(
                "fork-sector",
                "fork one sector server: one cache node is answered by a clone with its identity whose RAM"
                        + " diverges from then on; at the stop replace and rebuild it",
                Kind.FORK);
    }

    @Override
    String inject(Target target, NodeProcess node) throws IOException {
        switch (kind) {
            case ROLLBACK -> {
                String before = node.control("snapshot", CONTROL_TIMEOUT_MILLIS);
                long until = System.nanoTime() + ROLLBACK_NANOS;
                for (long left = ROLLBACK_NANOS; left > 0; left = until - System.nanoTime()) {
                    LockSupport.parkNanos(left); // the writes the rollback forgets
                }
                String after = node.control("rollback", CONTROL_TIMEOUT_MILLIS);
                return "rolled back " + node + " by " + TimeUnit.NANOSECONDS.toSeconds(ROLLBACK_NANOS) + " s (" + before
                        + ", then " + after + ")";
            }
            case CORRUPT -> {
                String atRest =
                        node.control("corrupt " + CORRUPTED_SECTORS + " " + target.nextSeed(), CONTROL_TIMEOUT_MILLIS);
                String onWrite = node.control("corrupt-writes on", CONTROL_TIMEOUT_MILLIS);
                return "corrupted " + node + ": " + atRest + ", " + onWrite;
            }
            case FORK -> {
                List<NodeProcess> caches = Target.running(target.cluster().cacheNodes());
                if (caches.isEmpty()) {
                    return "no cache node runs; " + node + " not forked";
                }
                NodeProcess side = target.pick(caches);
                String answer = node.control("fork " + side.readyLine().group(2), CONTROL_TIMEOUT_MILLIS);
                return "forked " + node + ": " + side + " now talks to a clone (" + answer + ")";
            }
            default -> {
                return super.inject(target, node);
            }
        }
    }

    @Override
    String heal(Target target, NodeProcess node) throws IOException {
        if (node.alive()) {
            node.kill();
        }
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
