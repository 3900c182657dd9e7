package dev.ratchet.tablet;

import dev.ratchet.tablet.proto.DeathSuspicion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reports of sector servers that stopped answering, by slot and reporter, that have not (yet)
 * made a death: the store's half of the rule that one cache node's view never kills a server.
 *
 * <p><b>Threat.</b> A cache node sees the sector servers only through its own links. If the node
 * is cut off (its host's network, a partition, an overloaded process), every server looks dead to
 * it; if its reports were final it would kill slot after slot, and once fewer than k slots are
 * LIVE no stripe can be read or rebuilt: every tablet is gone. A host that controls one cache
 * node's network could do this on purpose. So a death is final only when {@link
 * #REPORTERS_MIN} distinct registered cache nodes have reported the same server recently, or
 * every registered node when fewer are registered (one node alone has nobody to ask; the cap on
 * deaths in {@code ArrayCommands.markDead} still bounds what it can do).
 *
 * <p><b>Recently</b> is measured on the store's logical clock, not wall time: a report lapses
 * once its reporter has logged {@link #HEARTBEATS_MAX} more heartbeats without reporting again
 * (30 s at the cache nodes' 2 s heartbeat), so two unrelated blips an hour apart never add up to a
 * death. A reporter that leaves the registry takes its reports with it, and a slot's reports end
 * when the slot dies or takes a new server. Not thread-safe.
 */
final class DeathSuspicions {
    /** Distinct reporters a death needs when at least this many cache nodes are registered. */
    static final int REPORTERS_MIN = 2;

    /** Heartbeats of its reporter after which an unrepeated report lapses: 30 s at 2 s a beat. */
    static final long HEARTBEATS_MAX = 15;

    /** One report: the server it is about and the reporter's heartbeat count when it was made. */
    private record Report(String nodeId, long reporterHeartbeats) {}

    /** Slot to reporter to its latest report. */
    private final TreeMap<Integer, TreeMap<String, Report>> bySlot = new TreeMap<>();

    /** Records (or refreshes) {@code reporter}'s report on {@code slot}'s server {@code nodeId}. */
    void report(int slot, String nodeId, String reporter, long reporterHeartbeats) {
        TreeMap<String, Report> reports = bySlot.computeIfAbsent(slot, s -> new TreeMap<>());
        // Reports about an earlier server of the slot cannot count towards this one.
        reports.values().removeIf(report -> !report.nodeId().equals(nodeId));
        reports.put(reporter, new Report(nodeId, reporterHeartbeats));
    }

    /** Returns the distinct registered reporters whose report on {@code slot}'s server {@code nodeId} has not lapsed. */
    int freshReporters(int slot, String nodeId, CacheNodes cacheNodes) {
        TreeMap<String, Report> reports = bySlot.get(slot);
        if (reports == null) {
            return 0;
        }
        int count = 0;
        for (Map.Entry<String, Report> entry : reports.entrySet()) {
            if (entry.getValue().nodeId().equals(nodeId) && fresh(entry.getKey(), entry.getValue(), cacheNodes)) {
                count++;
            }
        }
        return count;
    }

    /** Returns how many reporters a death needs with {@code registered} cache nodes. */
    static int reportersNeeded(int registered) {
        return Math.max(1, Math.min(REPORTERS_MIN, registered));
    }

    /** Ends every report on {@code slot}: it died or took a new server. */
    void clearSlot(int slot) {
        bySlot.remove(slot);
    }

    /** Ends every report by {@code reporter}: it left the registry. */
    void dropReporter(String reporter) {
        bySlot.values().forEach(reports -> reports.remove(reporter));
        bySlot.values().removeIf(TreeMap::isEmpty);
    }

    /** Drops {@code reporter}'s lapsed reports; run when it logs a heartbeat, so the state stays small. */
    void pruneLapsed(String reporter, CacheNodes cacheNodes) {
        for (TreeMap<String, Report> reports : bySlot.values()) {
            Report report = reports.get(reporter);
            if (report != null && !fresh(reporter, report, cacheNodes)) {
                reports.remove(reporter);
            }
        }
        bySlot.values().removeIf(TreeMap::isEmpty);
    }

    /** Returns every report, ascending by slot then reporter: for the array view and snapshots. */
    List<DeathSuspicion> toProto() {
        List<DeathSuspicion> all = new ArrayList<>();
        bySlot.forEach((slot, reports) -> reports.forEach((reporter, report) -> all.add(DeathSuspicion.newBuilder()
                .setSlotIndex(slot)
                .setNodeId(report.nodeId())
                .setReporterCacheNodeId(reporter)
                .setReporterHeartbeats(report.reporterHeartbeats())
                .build())));
        return all;
    }

    /**
     * Restores reports read from a snapshot.
     *
     * @throws IllegalStateException if a report names an unknown slot, a server not in that slot,
     *     or a reporter that is not registered
     */
    void restore(List<DeathSuspicion> reports, SectorArray array, CacheNodes cacheNodes) {
        bySlot.clear();
        for (DeathSuspicion report : reports) {
            int slot = report.getSlotIndex();
            if (slot < 0
                    || slot >= array.slotCount()
                    || !array.slot(slot).getNodeId().equals(report.getNodeId())) {
                throw new IllegalStateException("a death suspicion names slot " + slot + " and a server not in it");
            }
            if (!cacheNodes.contains(report.getReporterCacheNodeId())) {
                throw new IllegalStateException("a death suspicion's reporter is not registered");
            }
            bySlot.computeIfAbsent(slot, s -> new TreeMap<>())
                    .put(
                            report.getReporterCacheNodeId(),
                            new Report(report.getNodeId(), report.getReporterHeartbeats()));
        }
    }

    private static boolean fresh(String reporter, Report report, CacheNodes cacheNodes) {
        return cacheNodes.contains(reporter)
                && cacheNodes.heartbeats(reporter) - report.reporterHeartbeats() <= HEARTBEATS_MAX;
    }
}
