package dev.ratchet.deploy;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs child processes for {@code ratchet up}: starts each with its stdout and stderr in log files,
 * waits a bounded time for its ready line, reports a child that exits on its own, and stops them
 * all (SIGTERM, a bounded wait, then SIGKILL).
 *
 * <p>Each child {@code name} writes {@code <name>.out} (stdout, which the ready line is read from)
 * and {@code <name>.err} (stderr) in the log directory. Thread-safe: children are started from one
 * thread, exits are reported on the JDK's process-reaper threads, and {@link #close} may run on a
 * shutdown hook.
 */
final class ProcessSupervisor implements AutoCloseable {
    /** Stderr lines quoted when a child fails: enough for an exception's gist, short enough to read. */
    static final int STDERR_TAIL_LINES = 20;

    private final List<String> javaAndClassPath;
    private final String mainClass;
    private final Path logDirectory;
    private final Duration stopTimeout;
    private final Consumer<String> loud;
    /**
     * Where {@code setsid} lives on Linux: a child started through it runs in its own session, so a
     * Ctrl-C at the terminal reaches only the supervisor, which then stops the children in order.
     */
    static final Path SETSID = Path.of("/usr/bin/setsid");

    private final List<String> launcher;
    // Guarded by this; in start order.
    private final List<Child> children = new ArrayList<>();
    // Guarded by this; once set, exits are expected and no longer reported.
    private boolean stopping;

    /**
     * Creates a supervisor.
     *
     * @param javaAndClassPath the java command and its class path option, such as {@link #sameJava()}
     * @param mainClass the class every child runs; its arguments follow
     * @param logDirectory an existing directory for the children's logs
     * @param stopTimeout how long {@link #close} waits for each child after SIGTERM before SIGKILL
     * @param loud where an unexpected exit is reported, one message (possibly several lines) each
     */
    ProcessSupervisor(
            List<String> javaAndClassPath,
            String mainClass,
            Path logDirectory,
            Duration stopTimeout,
            Consumer<String> loud) {
        this(List.of(), javaAndClassPath, mainClass, logDirectory, stopTimeout, loud);
    }

    private ProcessSupervisor(
            List<String> launcher,
            List<String> javaAndClassPath,
            String mainClass,
            Path logDirectory,
            Duration stopTimeout,
            Consumer<String> loud) {
        this.launcher = List.copyOf(launcher);
        this.javaAndClassPath = List.copyOf(javaAndClassPath);
        this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
        this.logDirectory = Objects.requireNonNull(logDirectory, "logDirectory");
        this.stopTimeout = Objects.requireNonNull(stopTimeout, "stopTimeout");
        this.loud = Objects.requireNonNull(loud, "loud");
    }

    /**
     * Returns a supervisor like this one whose children run in their own session ({@link #SETSID})
     * where the system has it, so the terminal's Ctrl-C does not stop them behind the supervisor's
     * back; elsewhere it returns this one.
     */
    ProcessSupervisor detachedFromTerminal() {
        if (!Files.isExecutable(SETSID)) {
            return this;
        }
        return new ProcessSupervisor(
                List.of(SETSID.toString()), javaAndClassPath, mainClass, logDirectory, stopTimeout, loud);
    }

    /** Returns this JVM's java command and class path option, so children run the same build. */
    static List<String> sameJava() {
        return List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"));
    }

    /** A started child: its name, process, and the first stdout line matching its ready pattern. */
    static final class Child {
        private final String name;
        private final Process process;
        private final Path stderrFile;
        private final CompletableFuture<Matcher> ready;

        private Child(String name, Process process, Path stderrFile, CompletableFuture<Matcher> ready) {
            this.name = name;
            this.process = process;
            this.stderrFile = stderrFile;
            this.ready = ready;
        }

        String name() {
            return name;
        }

        Process process() {
            return process;
        }

        /** Returns the last {@link #STDERR_TAIL_LINES} lines of the child's stderr, or a note that there are none. */
        String stderrTail() {
            try {
                List<String> lines = Files.readAllLines(stderrFile, StandardCharsets.UTF_8);
                if (lines.isEmpty()) {
                    return "  (stderr is empty)";
                }
                List<String> tail = lines.subList(Math.max(0, lines.size() - STDERR_TAIL_LINES), lines.size());
                return "  " + String.join("\n  ", tail);
            } catch (IOException e) {
                return "  (cannot read " + stderrFile + ": " + e.getMessage() + ")";
            }
        }
    }

    /** Why a child did not become ready: it exited, timed out, or could not be started. */
    static final class StartException extends Exception {
        private static final long serialVersionUID = 1L;

        StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Starts a child with {@code jvmOptions} and {@code args}; its ready line is the first stdout
     * line matching {@code readyLine}.
     *
     * @throws StartException if the process cannot be started, or the supervisor is stopping
     */
    synchronized Child start(String name, List<String> jvmOptions, List<String> args, Pattern readyLine)
            throws StartException {
        if (stopping) {
            throw new StartException("not starting " + name + ": the cluster is stopping", null);
        }
        List<String> command = new ArrayList<>(launcher);
        command.add(javaAndClassPath.get(0));
        command.addAll(jvmOptions);
        command.addAll(javaAndClassPath.subList(1, javaAndClassPath.size()));
        command.add(mainClass);
        command.addAll(args);
        Path stdoutFile = logDirectory.resolve(name + ".out");
        Path stderrFile = logDirectory.resolve(name + ".err");
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectError(stderrFile.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .start();
        } catch (IOException e) {
            throw new StartException("cannot start " + name + ": " + e.getMessage(), e);
        }
        CompletableFuture<Matcher> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> copyStdout(process, stdoutFile, readyLine, ready), name + "-stdout");
        reader.setDaemon(true);
        reader.start();
        Child child = new Child(name, process, stderrFile, ready);
        children.add(child);
        process.onExit().thenAccept(exited -> reportExit(child));
        return child;
    }

    /**
     * Waits up to {@code timeout} for {@code child}'s ready line and returns its match.
     *
     * @throws StartException if the child exits first or the time runs out, quoting its stderr tail
     */
    Matcher awaitReady(Child child, Duration timeout) throws StartException, InterruptedException {
        try {
            return child.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new StartException(
                    child.name + " printed no ready line within " + timeout.toSeconds() + " s; its stderr ends:\n"
                            + child.stderrTail(),
                    e);
        } catch (ExecutionException e) {
            // Stdout closes a moment before the process is reaped; give the exit a bounded moment.
            int code = waitForExitCode(child.process);
            String exit = child.process.isAlive() ? "closed its stdout" : "exited with code " + code;
            throw new StartException(
                    child.name + " " + exit + " before it was ready; its stderr ends:\n" + child.stderrTail(),
                    e.getCause());
        }
    }

    /** Returns the children started so far, in start order. */
    synchronized List<Child> children() {
        return Collections.unmodifiableList(new ArrayList<>(children));
    }

    /** Stops every child; see {@link #stopAll()}. */
    @Override
    public void close() {
        stopAll();
    }

    /**
     * Stops every child, newest first: SIGTERM, up to the stop timeout each, then SIGKILL. Returns
     * the names of children that had to be killed. Idempotent.
     */
    List<String> stopAll() {
        return stop(child -> true);
    }

    /**
     * Stops the children {@code which} selects, as {@link #stopAll} does; from then on no exit is
     * reported and nothing new starts. Lets a caller stop one tier before the next (cache nodes
     * deregister from a tablet store that is still there).
     */
    List<String> stop(Predicate<Child> which) {
        List<Child> toStop;
        synchronized (this) {
            stopping = true;
            toStop = new ArrayList<>(children.stream().filter(which).toList());
        }
        Collections.reverse(toStop);
        // Signal all first, so they stop in parallel; then wait for each.
        toStop.forEach(child -> child.process.destroy());
        List<String> killed = new ArrayList<>();
        for (Child child : toStop) {
            if (!waitFor(child.process, stopTimeout)) {
                child.process.destroyForcibly();
                waitFor(child.process, stopTimeout);
                killed.add(child.name);
            }
        }
        return killed;
    }

    private void reportExit(Child child) {
        synchronized (this) {
            if (stopping) {
                return;
            }
        }
        // Unready children are reported by awaitReady to the code that waits for them.
        if (!child.ready.isDone() || child.ready.isCompletedExceptionally()) {
            return;
        }
        int code = child.process.exitValue();
        // 130 and 143 are the JVM's exits on SIGINT and SIGTERM: someone stopped it on purpose.
        if (code == 130 || code == 143) {
            loud.accept("WARNING: " + child.name + " (pid " + child.process.pid() + ") was stopped by a signal (exit "
                    + code + "); the cluster runs without it");
            return;
        }
        loud.accept("ERROR: " + child.name + " (pid " + child.process.pid() + ") DIED with exit code " + code
                + "; the cluster runs without it. Its stderr ends:\n" + child.stderrTail());
    }

    private static void copyStdout(
            Process process, Path stdoutFile, Pattern readyLine, CompletableFuture<Matcher> ready) {
        try (BufferedReader in =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                BufferedWriter out = Files.newBufferedWriter(stdoutFile, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                out.write(line);
                out.newLine();
                out.flush();
                Matcher matcher = readyLine.matcher(line);
                if (!ready.isDone() && matcher.matches()) {
                    ready.complete(matcher);
                }
            }
            ready.completeExceptionally(new IllegalStateException("stdout closed"));
        } catch (IOException e) {
            ready.completeExceptionally(new UncheckedIOException(e));
        }
    }

    private static int waitForExitCode(Process process) {
        waitFor(process, Duration.ofSeconds(5));
        return process.isAlive() ? -1 : process.exitValue();
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }
}
