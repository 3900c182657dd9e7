package dev.ratchet.deploy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ratchet bench} end to end on a target that completes at once and moves a manual ticker. */
class KvBenchCommandTest {
    private static final Pattern RESULT_LINE =
            Pattern.compile("bench (put|get|put:get) target=(ratchet|etcd) clients=\\d+ ops_per_s=\\d+\\.\\d"
                    + " p50_ms=\\d+\\.\\d{3} p99_ms=\\d+\\.\\d{3} p999_ms=\\d+\\.\\d{3}");

    private final ManualTicker ticker = new ManualTicker();
    private final List<String> opened = new ArrayList<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    /** Fails every n-th operation when positive. */
    private int failEvery;

    @Test
    void putRun_printsTheResultLineLast() {
        int exit = run("--target", "etcd", "--clients", "4", "--duration", "2", "--warmup", "1");

        assertEquals(0, exit, err.toString());
        List<String> lines = out.toString().lines().toList();
        assertEquals(1, lines.size(), out.toString());
        assertEquals(
                "bench put target=etcd clients=4 ops_per_s=1000.0 p50_ms=1.000 p99_ms=1.000 p999_ms=1.000",
                lines.get(0));
        assertTrue(RESULT_LINE.matcher(lines.get(0)).matches());
        assertEquals(List.of("etcd [http://127.0.0.1:2379]"), opened);
    }

    @Test
    void getRun_preloadsThenReads() {
        int exit = run(
                "--mix", "get", "--endpoints", "127.0.0.1:7000,127.0.0.1:7001", "--clients", "512", "--duration", "1");

        assertEquals(0, exit, err.toString());
        String last = lastLine();
        assertTrue(last.startsWith("bench get target=ratchet clients=512 ops_per_s="), last);
        assertTrue(RESULT_LINE.matcher(last).matches(), last);
        assertTrue(err.toString().contains("# preloading 10000 keys of 256 bytes"), err.toString());
        assertEquals(List.of("ratchet [127.0.0.1:7000, 127.0.0.1:7001]"), opened);
    }

    @Test
    void runWithFailures_printsErrorsBeforeTheResultLineAndExitsOne() {
        failEvery = 4;

        int exit = run("--target", "etcd", "--keys", "100", "--duration", "1", "--warmup", "0");

        assertEquals(1, exit);
        List<String> lines = out.toString().lines().toList();
        assertEquals(2, lines.size(), out.toString());
        assertTrue(lines.get(0).matches("errors=[1-9]\\d*"), lines.get(0));
        assertTrue(RESULT_LINE.matcher(lines.get(1)).matches(), lines.get(1));
        assertTrue(err.toString().contains("first failure: IllegalStateException: injected"), err.toString());
    }

    @Test
    void preloadFailure_exitsOneWithoutAResultLine() {
        failEvery = 4;

        int exit = run("--target", "etcd", "--mix", "put:get", "--keys", "100", "--duration", "1");

        assertEquals(1, exit);
        assertEquals("", out.toString());
        assertTrue(
                err.toString().contains("error: IllegalStateException: preload failed: 25 of 100 puts failed"),
                err.toString());
    }

    @Test
    void usageErrors_exitTwoWithAClearMessage() {
        assertUsage("clients must be 1..4096: 0", "--target", "etcd", "--clients", "0");
        assertUsage("clients must be 1..4096: 5000", "--target", "etcd", "--clients", "5000");
        assertUsage("--duration must be 1..86400 seconds: 0", "--target", "etcd", "--duration", "0");
        assertUsage("--warmup must be 0..86400 seconds: -1", "--target", "etcd", "--warmup", "-1");
        assertUsage("mix must be put, get or put:get, not 'scan'", "--target", "etcd", "--mix", "scan");
        assertUsage("value size must be 1..1048576 bytes: 0", "--target", "etcd", "--value-size", "0");
        assertUsage("value size must be 1..1048576 bytes: 2000000", "--target", "etcd", "--value-size", "2000000");
        assertUsage("keys must be 1..1000000: 0", "--target", "etcd", "--keys", "0");
        assertUsage("--target must be ratchet or etcd, not 'redis'", "--target", "redis", "--endpoints", "h:1");
        assertUsage("no endpoint: give --endpoints HOST:PORT", "--target", "ratchet", "--endpoints", ",");
        assertUsage("no endpoint", "--endpoints", " ");
        assertUsage("Invalid value for option '--clients'", "--clients", "many");
        assertEquals(List.of(), opened, "no target is opened on a usage error");
    }

    private void assertUsage(String message, String... args) {
        StringWriter before = new StringWriter();
        before.write(err.toString());
        int exit = run(args);
        String printed = err.toString().substring(before.toString().length());
        assertEquals(2, exit, printed);
        assertTrue(printed.contains(message), "expected '" + message + "' in: " + printed);
    }

    private int run(String... args) {
        KvBenchCommand command = new KvBenchCommand(this::open, ticker);
        CommandLine line = new CommandLine(command);
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return line.execute(args);
    }

    private String lastLine() {
        List<String> lines = out.toString().lines().toList();
        return lines.get(lines.size() - 1);
    }

    private KvTarget open(String target, List<String> endpoints, Path simulatedCa) {
        opened.add(target + " " + endpoints);
        return new KvTarget() {
            private int operations;

            @Override
            public String name() {
                return target;
            }

            @Override
            public CompletableFuture<?> put(byte[] key, byte[] value) {
                return complete();
            }

            @Override
            public CompletableFuture<?> get(byte[] key) {
                return complete();
            }

            private CompletableFuture<?> complete() {
                ticker.advance(Duration.ofMillis(1));
                operations++;
                return failEvery > 0 && operations % failEvery == 0
                        ? CompletableFuture.failedFuture(new IllegalStateException("injected"))
                        : CompletableFuture.completedFuture(null);
            }

            @Override
            public void close() {}
        };
    }
}
