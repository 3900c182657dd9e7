package dev.ratchet.chaos.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.chaos.history.Op;
import dev.ratchet.chaos.history.OpType;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report over a small hand-made history: spans, bands, the page and both plots. */
class ReportTest {
    @TempDir
    Path dir;

    private static final long MS = 1_000_000L;

    private static Op op(
            long seq,
            long millis,
            int process,
            OpType type,
            String f,
            String key,
            String value,
            Long version,
            String error) {
        return new Op(seq, millis * MS, process, type, f, key, value, version, null, null, null, null, error);
    }

    private static Op nemesis(long seq, long millis, String event, String what) {
        return new Op(seq, millis * MS, Op.NEMESIS, OpType.INFO, event, null, what, null, null, null, null, null, null);
    }

    private static final List<Op> HISTORY = List.of(
            op(1, 0, 0, OpType.INVOKE, "put", "k1", "a", null, null),
            op(2, 5, 0, OpType.OK, "put", "k1", null, 1L, null),
            op(3, 6, 1, OpType.INVOKE, "get", "k<2>", null, null, null),
            nemesis(4, 1000, "start-kill-cache", "killed cache-node-6"),
            op(5, 1200, 1, OpType.INFO, "get", "k<2>", null, null, "timeout"),
            op(6, 1300, 0, OpType.INVOKE, "get", "k1", null, null, null),
            op(7, 1400, 0, OpType.FAIL, "get", "k1", null, null, "NOT_SERVING"),
            nemesis(8, 3000, "stop-kill-cache", "started cache-node-8"),
            op(9, 3100, 2, OpType.INVOKE, "cas", "k1", "b", null, null));

    @Test
    void timeline_pairsEachInvocationWithItsProcesssNextCompletion_andNemesisStartsWithStops() {
        Timeline timeline = Timeline.of(HISTORY);

        assertEquals(4, timeline.spans().size());
        assertEquals(OpType.OK, timeline.spans().get(0).outcome());
        assertEquals(5 * MS, timeline.spans().get(0).endNanos());
        assertEquals(OpType.INFO, timeline.spans().get(1).outcome());
        assertEquals(OpType.FAIL, timeline.spans().get(2).outcome());
        assertNull(timeline.spans().get(3).outcome(), "never completed");
        assertEquals(3100 * MS, timeline.spans().get(3).endNanos(), "open until the history ends");
        assertEquals(List.of(new Timeline.Band("kill-cache", 1000 * MS, 3000 * MS)), timeline.bands());
        assertTrue(timeline.spans().get(2).describe().contains("error=NOT_SERVING"));
    }

    @Test
    void write_leavesAPageWithTheFailingKeysHistory_andTwoPngPlots() throws Exception {
        Files.createDirectories(dir.resolve("nodes"));
        Files.writeString(dir.resolve("nodes").resolve("cache-node-6.log"), "log\n");

        Report.write(dir, HISTORY, "{\"verdict\": \"INVALID\"}", Set.of("k<2>"));

        String page = Files.readString(dir.resolve(Report.HTML), StandardCharsets.UTF_8);
        assertTrue(page.contains("&quot;verdict&quot;: &quot;INVALID&quot;"), "results, escaped");
        assertTrue(page.contains("<h3>k&lt;2&gt;</h3>"), "the failing key, escaped");
        assertTrue(page.contains("&quot;f&quot;:&quot;get&quot;"), "its history lines, escaped");
        assertFalse(page.contains("<k<2>"), "nothing unescaped");
        assertTrue(page.contains("start-kill-cache") && page.contains("killed cache-node-6"));
        assertTrue(page.contains("<a href=\"nodes/cache-node-6.log\">"));
        assertEquals(3, count(page, "<text x=\"0\""), "one timeline row per process");
        assertEquals(1, count(page, "class=\"band\""));
        for (String png : List.of(Report.LATENCY_PNG, Report.THROUGHPUT_PNG)) {
            BufferedImage image = ImageIO.read(dir.resolve(png).toFile());
            assertNotNull(image, png);
            assertEquals(1200, image.getWidth());
        }
    }

    @Test
    void anEmptyHistory_stillMakesAReport() throws Exception {
        Report.write(dir, List.of(), "{}", Set.of());

        assertTrue(Files.readString(dir.resolve(Report.HTML)).contains("<h2>Timeline</h2>"));
        assertNotNull(ImageIO.read(dir.resolve(Report.LATENCY_PNG).toFile()));
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }
}
