package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.Network;
import dev.ratchet.chaos.cluster.NodeProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A slow node (gray failure): the process moved into a cgroup of its own whose CPU quota is 5% of
 * one core, for the hold, then moved back. It still answers, late: heartbeats miss their timeout,
 * RPCs pass their deadlines, GC-like stalls, leader churn, but nothing is cleanly dead.
 *
 * <p>Uses the cgroup v1 {@code cpu} controller at {@link #CPU_ROOT} (chaos-design.md §3.5); where
 * it is missing or not writable, a run refuses the nemesis up front.
 */
final class SlowNode extends OneProcessNemesis {
    static final Path CPU_ROOT = Path.of("/sys/fs/cgroup/cpu");
    private static final long PERIOD_MICROS = 100_000;
    private static final long QUOTA_MICROS = 5_000;

    private Path cgroup;
    private Path origin;

    private SlowNode(String name, String description, Faulted faulted, Function<Target, Optional<NodeProcess>> choose) {
        super(name, description, faulted, choose);
    }

    static SlowNode leader() {
        return new SlowNode(
                "slow-leader",
                "throttle the tablet-store leader to 5% of one core (a cgroup CPU quota); unthrottle at the stop",
                Faulted.TABLET_STORE,
                Target::leader);
    }

    static SlowNode cacheNode() {
        return new SlowNode(
                "slow-cache",
                "throttle one cache node to 5% of one core (a cgroup CPU quota); unthrottle at the stop",
                Faulted.CACHE_NODE,
                target -> any(target, Target.running(target.cluster().cacheNodes())));
    }

    @Override
    public String unavailable(Network network) {
        if (!Files.isWritable(CPU_ROOT.resolve("cgroup.procs"))) {
            return "no writable cgroup v1 cpu controller at " + CPU_ROOT;
        }
        return "";
    }

    @Override
    String inject(Target target, NodeProcess node) throws IOException {
        origin = cpuCgroupOf(node.pid());
        cgroup = Files.createDirectories(
                CPU_ROOT.resolve("ratchet-chaos-" + ProcessHandle.current().pid() + "-" + node.pid()));
        write(cgroup.resolve("cpu.cfs_period_us"), Long.toString(PERIOD_MICROS));
        write(cgroup.resolve("cpu.cfs_quota_us"), Long.toString(QUOTA_MICROS));
        write(cgroup.resolve("cgroup.procs"), Long.toString(node.pid()));
        return "throttled " + node + " to " + (100 * QUOTA_MICROS / PERIOD_MICROS) + "% of one core";
    }

    @Override
    String heal(Target target, NodeProcess node) throws IOException {
        try {
            if (node.alive()) {
                write(origin.resolve("cgroup.procs"), Long.toString(node.pid()));
            }
        } finally {
            Files.deleteIfExists(cgroup);
        }
        return "unthrottled " + node;
    }

    /** The process's cgroup in the cpu hierarchy, from {@code /proc/PID/cgroup}. */
    private static Path cpuCgroupOf(long pid) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"), StandardCharsets.UTF_8);
        for (String line : lines) {
            String[] parts = line.split(":", 3);
            if (parts.length == 3 && List.of(parts[1].split(",")).contains("cpu")) {
                return CPU_ROOT.resolve(parts[2].substring(1));
            }
        }
        throw new IOException("process " + pid + " is in no cpu cgroup");
    }

    private static void write(Path file, String value) throws IOException {
        Files.writeString(file, value, StandardCharsets.US_ASCII);
    }
}
