package dev.ratchet.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * CPU time per kind of thread in this JVM, for {@link ClosedLoop}'s {@code --thread-cpu}
 * diagnostic: which of Ratis's, gRPC's, Netty's and the load's threads the CPU went to.
 *
 * <p>Threads are grouped by name with peer ids and numbers replaced ({@code <id>@group-<g>-
 * StateMachineUpdater} for every replica's updater), so a kind shows its sum over replicas.
 */
final class ThreadCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final Pattern ID = Pattern.compile("[0-9a-fA-F]{12,}|\\bs[0-9]\\b");
    private static final Pattern NUMBER = Pattern.compile("[0-9]+");

    private final Map<Long, Long> cpuNanos;
    private final Map<Long, String> kinds;

    private ThreadCpu(Map<Long, Long> cpuNanos, Map<Long, String> kinds) {
        this.cpuNanos = cpuNanos;
        this.kinds = kinds;
    }

    /** Returns every live thread's CPU time so far. */
    static ThreadCpu now() {
        Map<Long, Long> cpu = new HashMap<>();
        Map<Long, String> kinds = new HashMap<>();
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long nanos = THREADS.getThreadCpuTime(info.getThreadId());
            if (nanos >= 0) {
                cpu.put(info.getThreadId(), nanos);
                kinds.put(info.getThreadId(), kind(info.getThreadName()));
            }
        }
        return new ThreadCpu(cpu, kinds);
    }

    /** Prints CPU milliseconds per kind of thread since {@code before}, largest first. */
    void printSince(ThreadCpu before, PrintStream out) {
        Map<String, Long> byKind = new HashMap<>();
        long total = 0;
        for (Map.Entry<Long, Long> thread : cpuNanos.entrySet()) {
            long spent = thread.getValue() - before.cpuNanos.getOrDefault(thread.getKey(), 0L);
            byKind.merge(kinds.get(thread.getKey()), spent, Long::sum);
            total += spent;
        }
        out.printf("# thread CPU ms, total %d:%n", total / 1_000_000);
        byKind.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(20)
                .forEach(kind -> out.printf("#   %6d %s%n", kind.getValue() / 1_000_000, kind.getKey()));
    }

    private static String kind(String name) {
        return NUMBER.matcher(ID.matcher(name).replaceAll("<id>")).replaceAll("N");
    }
}
