package dev.ratchet.chaos.cluster;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
    private final String name;
    private final Process process;
    private final CompletableFuture<Matcher> ready = new CompletableFuture<>();
    private volatile boolean paused;

    private NodeProcess(String name, Process process) {
        this.name = name;
        this.process = process;
    }

    /**
     * Starts {@code command}, copying its stdout and stderr to {@code log}, and returns once it
     * printed a line matching {@code readyLine} (within {@code timeoutMillis}).
     *
     * @throws IOException if it cannot start, exits first, or is not ready in time (it is killed)
     */
    static NodeProcess start(String name, List<String> command, Path log, Pattern readyLine, long timeoutMillis)
            throws IOException {
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        NodeProcess node = new NodeProcess(name, process);
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
