package dev.ratchet.chaos.report;

import dev.ratchet.chaos.history.HistoryFile;
import dev.ratchet.chaos.history.Op;
import dev.ratchet.chaos.history.OpType;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A run's HTML report: {@code report.html} with the verdicts, the nemesis events, a timeline of
 * every operation per client process, the failing keys' histories and links to every process's
 * log; beside it {@code latency.png} and {@code throughput.png} (XChart), each with the times a
 * nemesis was active shaded.
 *
 * <p>Pure over its inputs (a history and the results text): it reads nothing else but the names
 * of the node logs, so {@code chaos check} redraws it from a copied run directory.
 */
public final class Report {
    /** The file names the report writes into the run directory. */
    public static final String HTML = "report.html";

    public static final String LATENCY_PNG = "latency.png";
    public static final String THROUGHPUT_PNG = "throughput.png";

    /** The timeline draws at most this many operations, the earliest; the rest are counted. */
    static final int TIMELINE_OPS_MAX = 20_000;

    private static final int WIDTH_PIXELS = 1200;
    private static final int HEIGHT_PIXELS = 420;
    private static final Color BAND = new Color(255, 140, 0, 50);

    private Report() {}

    /**
     * Writes the report of {@code history} into {@code runDirectory}.
     *
     * @param resultsJson the run's {@code results.json}, shown as it is
     * @param failingKeys the keys the checkers found failing; their histories are shown in full
     */
    public static void write(Path runDirectory, List<Op> history, String resultsJson, Set<String> failingKeys)
            throws IOException {
        Timeline timeline = Timeline.of(history);
        BitmapEncoder.saveBitmap(
                latencyChart(timeline), runDirectory.resolve(LATENCY_PNG).toString(), BitmapEncoder.BitmapFormat.PNG);
        BitmapEncoder.saveBitmap(
                throughputChart(timeline),
                runDirectory.resolve(THROUGHPUT_PNG).toString(),
                BitmapEncoder.BitmapFormat.PNG);
        Files.writeString(
                runDirectory.resolve(HTML),
                html(runDirectory, history, timeline, resultsJson, failingKeys),
                StandardCharsets.UTF_8);
    }

    static XYChart latencyChart(Timeline timeline) {
        XYChart chart = chart(
                "latency per operation (ms, log scale), nemeses shaded",
                "latency (ms)",
                XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setMarkerSize(3);
        double top = 1;
        for (OpType outcome : List.of(OpType.OK, OpType.FAIL, OpType.INFO)) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (Timeline.Span span : timeline.spans()) {
                if (span.outcome() == outcome) {
                    x.add(seconds(span.startNanos()));
                    double millis = Math.max(0.01, (span.endNanos() - span.startNanos()) / 1e6);
                    y.add(millis);
                    top = Math.max(top, millis);
                }
            }
            if (!x.isEmpty()) {
                chart.addSeries(outcome.name().toLowerCase(Locale.ROOT), x, y)
                        .setMarker(SeriesMarkers.CIRCLE)
                        .setMarkerColor(color(outcome));
            }
        }
        shade(chart, timeline, top * 2, 0.01);
        return chart;
    }

    static XYChart throughputChart(Timeline timeline) {
        XYChart chart =
                chart("completions per second, nemeses shaded", "operations / s", XYSeries.XYSeriesRenderStyle.Line);
        int seconds = (int) Math.ceil(seconds(timeline.endNanos())) + 1;
        double top = 1;
        for (OpType outcome : List.of(OpType.OK, OpType.FAIL, OpType.INFO)) {
            double[] perSecond = new double[seconds];
            boolean any = false;
            for (Timeline.Span span : timeline.spans()) {
                if (span.outcome() == outcome) {
                    perSecond[(int) (span.endNanos() / 1_000_000_000L)]++;
                    any = true;
                }
            }
            if (!any) {
                continue;
            }
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (int s = 0; s < seconds; s++) {
                x.add(s + 0.5);
                y.add(perSecond[s]);
                top = Math.max(top, perSecond[s]);
            }
            chart.addSeries(outcome.name().toLowerCase(Locale.ROOT), x, y)
                    .setMarker(SeriesMarkers.NONE)
                    .setLineColor(color(outcome));
        }
        shade(chart, timeline, top * 1.1, 0);
        return chart;
    }

    /** An empty chart over run time, the size and background every plot of the report has. */
    private static XYChart chart(String title, String yAxisTitle, XYSeries.XYSeriesRenderStyle style) {
        XYChart chart = new XYChartBuilder()
                .width(WIDTH_PIXELS)
                .height(HEIGHT_PIXELS)
                .title(title)
                .xAxisTitle("run time (s)")
                .yAxisTitle(yAxisTitle)
                .build();
        chart.getStyler().setDefaultSeriesRenderStyle(style);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        return chart;
    }

    /** One filled area series per nemesis interval, from {@code bottom} up to {@code top}. */
    private static void shade(XYChart chart, Timeline timeline, double top, double bottom) {
        int index = 0;
        for (Timeline.Band band : timeline.bands()) {
            double start = seconds(band.startNanos());
            double end = seconds(band.endNanos());
            XYSeries series = chart.addSeries(
                    index == 0 ? "nemesis active" : "nemesis " + index,
                    new double[] {start, start, end, end},
                    new double[] {bottom, top, top, bottom});
            series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
            series.setMarker(SeriesMarkers.NONE);
            series.setFillColor(BAND);
            series.setLineColor(BAND);
            series.setShowInLegend(index == 0);
            index++;
        }
    }

    private static String html(
            Path runDirectory, List<Op> history, Timeline timeline, String resultsJson, Set<String> failingKeys)
            throws IOException {
        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>chaos run ")
                .append(escape(runDirectory.getFileName().toString()))
                .append("</title>\n<style>body{font-family:sans-serif;margin:1em 2em}pre{background:#f4f4f4;"
                        + "padding:.5em;overflow:auto;max-height:30em}table{border-collapse:collapse}"
                        + "td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%}"
                        + ".ok{fill:#2a9d4b}.fail{fill:#c0392b}.info{fill:#e1a100}.open{fill:#888}"
                        + ".band{fill:rgba(255,140,0,.18)}</style></head><body>\n");
        page.append("<h1>chaos run ")
                .append(escape(runDirectory.getFileName().toString()))
                .append("</h1>\n");
        page.append("<h2>Results</h2>\n<pre>").append(escape(resultsJson)).append("</pre>\n");
        page.append("<h2>Latency and throughput</h2>\n<p><img src=\"")
                .append(LATENCY_PNG)
                .append("\" alt=\"latency\"><br><img src=\"")
                .append(THROUGHPUT_PNG)
                .append("\" alt=\"throughput\"></p>\n");
        page.append("<h2>Nemesis events</h2>\n<table><tr><th>time (s)</th><th>event</th><th>what happened</th></tr>\n");
        for (Op op : history) {
            if (op.nemesis()) {
                page.append(String.format(Locale.ROOT, "<tr><td>%.1f</td><td>", seconds(op.timeNanos())))
                        .append(escape(op.f()))
                        .append("</td><td>")
                        .append(escape(String.valueOf(op.value())))
                        .append("</td></tr>\n");
            }
        }
        page.append("</table>\n");
        page.append("<h2>Timeline</h2>\n<p>One row per client process (a fresh one after each unknown outcome);"
                        + " green ok, red failed, amber unknown, grey never completed; shaded while a nemesis was"
                        + " active. Hover an operation for its details.</p>\n")
                .append(timelineSvg(timeline));
        if (!failingKeys.isEmpty()) {
            page.append("<h2>Failing keys</h2>\n");
            for (String key : new TreeSet<>(failingKeys)) {
                page.append("<h3>").append(escape(key)).append("</h3>\n<pre>");
                for (Op op : history) {
                    if (key.equals(op.key())) {
                        page.append(escape(HistoryFile.toLine(op))).append('\n');
                    }
                }
                page.append("</pre>\n");
            }
        }
        page.append("<h2>Process logs</h2>\n<ul>\n");
        Path nodes = runDirectory.resolve("nodes");
        if (Files.isDirectory(nodes)) {
            try (Stream<Path> logs = Files.list(nodes)) {
                for (Path log : logs.sorted().toList()) {
                    if (log.getFileName().toString().endsWith(".log")) {
                        String name = log.getFileName().toString();
                        page.append("<li><a href=\"nodes/")
                                .append(escape(name))
                                .append("\">")
                                .append(escape(name))
                                .append("</a></li>\n");
                    }
                }
            }
        }
        page.append("</ul>\n</body></html>\n");
        return page.toString();
    }

    /** The operations as bars on one row per process, with the nemesis bands behind them. */
    static String timelineSvg(Timeline timeline) {
        Map<Integer, Integer> rows = new HashMap<>();
        timeline.spans().stream()
                .map(Timeline.Span::process)
                .distinct()
                .sorted()
                .forEach(process -> rows.put(process, rows.size()));
        int rowPixels = 12;
        int labelPixels = 60;
        int widthPixels = WIDTH_PIXELS;
        double endSeconds = Math.max(1, seconds(timeline.endNanos()));
        double pixelsPerSecond = (widthPixels - labelPixels) / endSeconds;
        int heightPixels = rows.size() * rowPixels + 20;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">\n",
                widthPixels,
                heightPixels));
        for (Timeline.Band band : timeline.bands()) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<rect class=\"band\" x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%d\"/>\n",
                    labelPixels + seconds(band.startNanos()) * pixelsPerSecond,
                    Math.max(1, seconds(band.endNanos() - band.startNanos()) * pixelsPerSecond),
                    heightPixels - 20));
        }
        rows.forEach((process, row) -> svg.append(String.format(
                Locale.ROOT, "<text x=\"0\" y=\"%d\" font-size=\"10\">p%d</text>\n", row * rowPixels + 10, process)));
        int drawn = 0;
        for (Timeline.Span span : timeline.spans()) {
            if (drawn++ >= TIMELINE_OPS_MAX) {
                break;
            }
            double x = labelPixels + seconds(span.startNanos()) * pixelsPerSecond;
            double width = Math.max(1, seconds(span.endNanos() - span.startNanos()) * pixelsPerSecond);
            svg.append(String.format(
                            Locale.ROOT,
                            "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"><title>",
                            span.outcome() == null
                                    ? "open"
                                    : span.outcome().name().toLowerCase(Locale.ROOT),
                            x,
                            rows.get(span.process()) * rowPixels + 1,
                            width,
                            rowPixels - 2))
                    .append(escape(span.describe()))
                    .append("</title></rect>\n");
        }
        for (int s = 0; s <= endSeconds; s += 5) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"10\">%d s</text>\n",
                    labelPixels + s * pixelsPerSecond,
                    heightPixels - 5,
                    s));
        }
        svg.append("</svg>\n");
        if (timeline.spans().size() > TIMELINE_OPS_MAX) {
            svg.append("<p>(the first ")
                    .append(TIMELINE_OPS_MAX)
                    .append(" of ")
                    .append(timeline.spans().size())
                    .append(" operations are drawn)</p>\n");
        }
        return svg.toString();
    }

    private static Color color(OpType outcome) {
        return switch (outcome) {
            case OK -> new Color(0x2a, 0x9d, 0x4b);
            case FAIL -> new Color(0xc0, 0x39, 0x2b);
            default -> new Color(0xe1, 0xa1, 0x00);
        };
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
