package dev.ratchet.deploy;

import dev.ratchet.client.CasResult;
import dev.ratchet.client.VersionedValue;
import dev.ratchet.client.proto.RaftMember;
import dev.ratchet.client.proto.RebuildStatus;
import dev.ratchet.client.proto.SlotStatus;
import dev.ratchet.client.proto.StatusResponse;
import dev.ratchet.client.proto.TabletStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The data commands' output lines, as pure functions of what the SDK returned. */
final class DataOutput {
    private DataOutput() {}

    /** {@code get}: the value, and with {@code verbose} a tab and {@code version=<v>}. */
    static String value(VersionedValue value, boolean verbose) {
        String text = new String(value.value(), StandardCharsets.UTF_8);
        return verbose ? text + "\tversion=" + Long.toUnsignedString(value.version()) : text;
    }

    /** {@code put} and a successful {@code cas}: {@code version=<v>}. */
    static String version(long version) {
        return "version=" + Long.toUnsignedString(version);
    }

    /** A failed {@code cas}: {@code cas failed: current version=<v>} or {@code cas failed: current absent}. */
    static String casFailed(CasResult result) {
        return result.current()
                .map(current -> "cas failed: current version=" + Long.toUnsignedString(current.version()))
                .orElse("cas failed: current absent");
    }

    /** An error from the cluster: {@code error: <CODE>: <detail>}, noting an unknown outcome. */
    static String error(String code, String detail, boolean outcomeUnknown) {
        String line = "error: " + code + ": " + firstLine(detail);
        return outcomeUnknown ? line + " (the write may or may not have been applied)" : line;
    }

    /** {@code status}: Raft members (leader marked), tablets, and the array's health. */
    static List<String> status(StatusResponse status) {
        List<String> lines = new ArrayList<>();
        lines.add("answered by cache node " + status.getCacheNodeId() + " (" + status.getRegisteredCacheNodes()
                + " registered)");
        lines.add("raft members: " + status.getRaftMembersCount());
        for (RaftMember member : status.getRaftMembersList()) {
            lines.add("  " + member.getNodeId() + " " + member.getAddress() + (member.getLeader() ? " LEADER" : ""));
        }
        lines.add("tablets: " + status.getTabletsCount());
        for (TabletStatus tablet : status.getTabletsList()) {
            lines.add("  tablet " + Long.toUnsignedString(tablet.getTabletId()) + " version="
                    + Long.toUnsignedString(tablet.getVersion()) + " keys="
                    + Long.toUnsignedString(tablet.getKeyCount())
                    + " bytes=" + Long.toUnsignedString(tablet.getPlaintextBytes()) + " stripes="
                    + Integer.toUnsignedString(tablet.getStripeCount()));
        }
        lines.add("array " + status.getDataShards() + "+" + status.getParityShards() + " degraded="
                + (status.getDegraded() ? "yes" : "no") + " free-stripes="
                + Long.toUnsignedString(status.getFreeStripes())
                + " death-record-version=" + Long.toUnsignedString(status.getDeathRecordVersion()));
        for (SlotStatus slot : status.getSlotsList()) {
            lines.add("  slot " + slot.getSlotIndex() + " " + slot.getState() + " " + slot.getNodeId() + " "
                    + slot.getAddress());
        }
        if (status.getRebuildsCount() == 0) {
            lines.add("rebuilds: none");
        }
        for (RebuildStatus rebuild : status.getRebuildsList()) {
            lines.add("rebuild slot " + rebuild.getSlotIndex() + ": " + rebuildProgress(rebuild) + rebuiltBy(rebuild));
        }
        return lines;
    }

    /** Characters between the brackets of {@link #rebuildBar}. */
    static final int BAR_WIDTH_CHARS = 30;

    /**
     * {@code rebuild}'s progress bar: {@code slot <i> [#####.....]  50% <done>/<total> stripes
     * <r> MB/s}; a rebuild that has not counted its stripes yet shows an empty bar.
     */
    static String rebuildBar(RebuildStatus rebuild) {
        long total = rebuild.getStripesTotal();
        long done = Math.min(rebuild.getStripesDone(), total);
        int filled = total == 0 ? 0 : (int) (BAR_WIDTH_CHARS * done / total);
        long percent = total == 0 ? 0 : 100 * done / total;
        return "slot " + rebuild.getSlotIndex() + " [" + "#".repeat(filled) + ".".repeat(BAR_WIDTH_CHARS - filled)
                + "] " + String.format(Locale.ROOT, "%3d%%", percent) + " " + Long.toUnsignedString(done) + "/"
                + Long.toUnsignedString(total) + " stripes"
                + String.format(Locale.ROOT, " %.1f MB/s", rebuild.getMegabytesPerSecond());
    }

    /** {@code rebuild} done: {@code rebuilt slot <i> onto <node id>: <n> stripes}. */
    static String rebuilt(RebuildStatus rebuild, String serverNodeId) {
        return "rebuilt slot " + rebuild.getSlotIndex() + " onto " + serverNodeId + ": "
                + Long.toUnsignedString(rebuild.getStripesTotal()) + " stripes";
    }

    private static String rebuiltBy(RebuildStatus rebuild) {
        return rebuild.getRebuilderCacheNodeId().isEmpty() ? "" : " by cache node " + rebuild.getRebuilderCacheNodeId();
    }

    private static String rebuildProgress(RebuildStatus rebuild) {
        long total = rebuild.getStripesTotal();
        long done = rebuild.getStripesDone();
        String percent = total == 0 ? "" : String.format(Locale.ROOT, " (%.0f%%)", 100.0 * done / total);
        return Long.toUnsignedString(done) + "/" + Long.toUnsignedString(total) + " stripes" + percent
                + String.format(Locale.ROOT, " %.1f MB/s", rebuild.getMegabytesPerSecond());
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "(no detail)";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
