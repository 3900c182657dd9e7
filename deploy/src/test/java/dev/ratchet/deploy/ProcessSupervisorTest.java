package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ProcessSupervisor} with real child JVMs running {@link FakeChild}. */
class ProcessSupervisorTest {
    private static final Pattern READY = Pattern.compile("fake listening on (\\S+) node-id=(\\w+)");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final LinkedBlockingQueue<String> loud = new LinkedBlockingQueue<>();
    private ProcessSupervisor supervisor;

    @AfterEach
    void stop() {
        if (supervisor != null) {
            supervisor.close();
        }
    }

    @Test
    void readyChild_isMatched_loggedToFiles_andStoppedBySigterm() throws Exception {
        supervisor = supervisor(Duration.ofSeconds(20));
        ProcessSupervisor.Child child = supervisor.start("a", List.of(), ready("127.0.0.1:1", "abc"), READY);

        Matcher matcher = supervisor.awaitReady(child, READY_TIMEOUT);

        assertEquals("127.0.0.1:1", matcher.group(1));
        assertEquals("abc", matcher.group(2));
        assertTrue(
                Files.readString(dir.resolve("a.out"), StandardCharsets.UTF_8).contains("starting up"));
        assertEquals(List.of(), supervisor.stopAll(), "a child that stops on SIGTERM is not killed");
        assertFalse(child.process().isAlive());
        assertEquals(List.of(), supervisor.stopAll(), "stopping twice is harmless");
        assertTrue(loud.isEmpty(), "an expected stop is not reported: " + loud);
    }

    @Test
    void detachedChild_isTheSameProcess_andStopsBySigterm() throws Exception {
        supervisor = supervisor(Duration.ofSeconds(20)).detachedFromTerminal();
        ProcessSupervisor.Child child = supervisor.start("g", List.of(), ready("127.0.0.1:2", "def"), READY);

        assertEquals("def", supervisor.awaitReady(child, READY_TIMEOUT).group(2));
        // setsid execs java in place, so the pid signalled is the JVM's own.
        assertTrue(
                child.process().info().command().orElse("").endsWith("java"),
                child.process().info().toString());
        assertEquals(List.of(), supervisor.stopAll());
        assertFalse(child.process().isAlive());
    }

    @Test
    void childThatExitsBeforeReady_failsWithItsExitCodeAndStderr() throws Exception {
        supervisor = supervisor(Duration.ofSeconds(20));
        ProcessSupervisor.Child child = supervisor.start("b", List.of(), List.of("die", "3"), READY);

        ProcessSupervisor.StartException e =
                assertThrows(ProcessSupervisor.StartException.class, () -> supervisor.awaitReady(child, READY_TIMEOUT));

        assertTrue(e.getMessage().contains("b exited with code 3 before it was ready"), e.getMessage());
        assertTrue(e.getMessage().contains("fake failure: cannot bind the port"), e.getMessage());
    }

    @Test
    void childWithoutReadyLine_timesOut() throws Exception {
        supervisor = supervisor(Duration.ofSeconds(20));
        ProcessSupervisor.Child child = supervisor.start("c", List.of(), List.of("silent"), READY);

        ProcessSupervisor.StartException e = assertThrows(
                ProcessSupervisor.StartException.class, () -> supervisor.awaitReady(child, Duration.ofMillis(300)));

        assertTrue(e.getMessage().contains("c printed no ready line within"), e.getMessage());
        assertTrue(e.getMessage().contains("(stderr is empty)"), e.getMessage());
    }

    @Test
    void readyChildThatDies_isReportedLoudly() throws Exception {
        supervisor = supervisor(Duration.ofSeconds(20));
        ProcessSupervisor.Child child = supervisor.start("d", List.of(), ready("x:1", "id"), READY);
        supervisor.awaitReady(child, READY_TIMEOUT);

        child.process().destroyForcibly();

        String message = loud.poll(30, TimeUnit.SECONDS);
        assertTrue(message != null && message.startsWith("ERROR: d (pid "), String.valueOf(message));
        assertTrue(message.contains("DIED with exit code 137"), message);
    }

    @Test
    void readyChildStoppedBySigterm_isReportedAsStopped() throws Exception {
        supervisor = supervisor(Duration.ofSeconds(20));
        ProcessSupervisor.Child child = supervisor.start("e", List.of(), ready("x:1", "id"), READY);
        supervisor.awaitReady(child, READY_TIMEOUT);

        child.process().destroy();

        String message = loud.poll(30, TimeUnit.SECONDS);
        assertTrue(message != null && message.contains("was stopped by a signal (exit 143)"), String.valueOf(message));
    }

    @Test
    void afterStopAll_nothingStarts() throws Exception {
        supervisor = supervisor(Duration.ofSeconds(20));
        supervisor.stopAll();

        assertThrows(
                ProcessSupervisor.StartException.class,
                () -> supervisor.start("f", List.of(), ready("x:1", "id"), READY));
    }

    private ProcessSupervisor supervisor(Duration stopTimeout) {
        return new ProcessSupervisor(
                ProcessSupervisor.sameJava(), FakeChild.class.getName(), dir, stopTimeout, loud::add);
    }

    private static List<String> ready(String address, String id) {
        return List.of("ready", "fake listening on " + address + " node-id=" + id);
    }
}
