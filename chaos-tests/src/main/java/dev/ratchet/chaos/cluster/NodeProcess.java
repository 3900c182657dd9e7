package dev.ratchet.chaos.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Ratchet process of a chaos run (a tablet-store node, a sector server or a cache node), its
 * output in a log file of its own, and the faults done to it: SIGKILL, SIGSTOP and SIGCONT, by pid
 * and only for processes this harness started.
 */
public final class NodeProcess implements AutoCloseable {
    private static final String CONTROL_ANSWER = "test-control ";
    private final String name;
    private final Host host;
    private final Path clockFile;
    private final Process process;
    private final CompletableFuture<Matcher> ready = new CompletableFuture<>();
    private volatile boolean paused;
    private final BlockingQueue<String> controlAnswers = new LinkedBlockingQueue<>();

    private NodeProcess(String name, Host host, Path clockFile, Process process) {
        this.name = name;
        this.host = host;
        this.clockFile = clockFile;
        this.process = process;
    }

    /**
     * Starts {@code command}, copying its stdout and stderr to {@code log}, and returns once it
     * printed a line matching {@code readyLine} (within {@code timeoutMillis}).
     *
     * @throws IOException if it cannot start, exits first, or is not ready in time (it is killed)
     */
    static NodeProcess start(
            String name,
            Host host,
            Path clockFile,
            List<String> command,
            Path log,
            Pattern readyLine,
            long timeoutMillis)
            throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        NodeProcess node = new NodeProcess(name, host, clockFile, process);
        Thread copier = new Thread(() -> node.copyOutput(log, readyLine), name + "-output");
        copier.setDaemon(true);
        copier.start();
        try {
            node.ready.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return node;
        } catch (ExecutionException | TimeoutException e) {
            node.kill();
            throw new IOException(name + " was not ready within " + timeoutMillis + " ms (log: " + log + ")", e);
        } catch (InterruptedException e) {
            node.kill();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + name, e);
        }
    }

    private void copyOutput(Path log, Pattern readyLine) {
        try (BufferedReader out =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                Writer file = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                file.write(line);
                file.write('\n');
                file.flush();
                if (line.startsWith(CONTROL_ANSWER)) {
                    controlAnswers.add(line);
                }
                Matcher matcher = readyLine.matcher(line);
                if (!ready.isDone() && matcher.matches()) {
                    ready.complete(matcher);
                }
            }
        } catch (IOException e) {
            ready.completeExceptionally(new UncheckedIOException(e));
        } finally {
            ready.completeExceptionally(new IOException(name + " exited before it was ready"));
        }
    }

    public String name() {
        return name;
    }

    /** Where it runs: its address and, with namespaces, its namespace. */
    public Host host() {
        return host;
    }

    public long pid() {
        return process.pid();
    }

    /** Returns the ready line's match: its groups hold the address and node id. */
    public Matcher readyLine() {
        return ready.join();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public boolean paused() {
        return paused;
    }

    /**
     * Sends one test-control command on the process's stdin (a sector server started with {@code
     * --test-control}) and returns its answer line.
     *
     * @throws IOException if it answers an error, or nothing within {@code timeoutMillis}
     */
    public synchronized String control(String command, long timeoutMillis) throws IOException {
        controlAnswers.clear();
        OutputStream in = process.getOutputStream();
        in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        String answer;
        try {
            answer = controlAnswers.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + name + " ran '" + command + "'", e);
        }
        if (answer == null) {
            throw new IOException(name + " did not answer '" + command + "' within " + timeoutMillis + " ms");
        }
        if (!answer.startsWith(CONTROL_ANSWER + "ok ")) {
            throw new IOException(name + " refused '" + command + "': " + answer);
        }
        return answer.substring((CONTROL_ANSWER + "ok ").length());
    }

    /**
     * Sets the process's wall clock {@code offsetSeconds} from the host's (libfaketime reads its
     * clock file at most once a second); its monotonic clock is left alone.
     *
     * @throws IllegalStateException if the cluster was not started with fake clocks
     */
    public void skewClock(long offsetSeconds) throws IOException {
        if (clockFile == null) {
            throw new IllegalStateException(name + " has no fake clock (the cluster was started without them)");
        }
        Path next = clockFile.resolveSibling(clockFile.getFileName() + ".next");
        Files.writeString(next, (offsetSeconds >= 0 ? "+" : "") + offsetSeconds + "s\n", StandardCharsets.US_ASCII);
        Files.move(
                next,
                clockFile,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** SIGKILL, and waits (bounded) until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGSTOP: the process stops running but keeps its state and sockets. */
    public void pause() throws IOException {
        signal("-STOP");
        paused = true;
    }

    /** SIGCONT. */
    public void resume() throws IOException {
        signal("-CONT");
        paused = false;
    }

    private void signal(String signal) throws IOException {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid()))
                .redirectErrorStream(true)
                .start();
        try {
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IOException("kill " + signal + " " + process.pid() + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while signalling " + name, e);
        }
    }

    /** Resumes it if paused, then kills it: nothing this harness started outlives the run. */
    @Override
    public void close() {
        if (paused && process.isAlive()) {
            try {
                resume();
            } catch (IOException e) {
                // It is killed next anyway.
            }
        }
        kill();
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
