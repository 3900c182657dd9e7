package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local cluster's endpoints file: written whole, read back, owned by a live pid, removed only by its owner. */
class LocalClusterEndpointsTest {
    private static final long SELF = ProcessHandle.current().pid();

    @TempDir
    Path home;

    @Test
    void writtenEndpoints_readBack_withALiveOwner() throws Exception {
        Path file = LocalClusterEndpoints.file(home);

        LocalClusterEndpoints.write(file, SELF, List.of("127.0.0.1:7400", "127.0.0.1:7401"));

        assertEquals(home.resolve("local-cluster.endpoints"), file);
        assertEquals(List.of("127.0.0.1:7400", "127.0.0.1:7401"), LocalClusterEndpoints.read(file));
        assertEquals(OptionalLong.of(SELF), LocalClusterEndpoints.liveOwner(file));
    }

    @Test
    void missingFile_hasNoEndpointsAndNoOwner() throws Exception {
        Path file = LocalClusterEndpoints.file(home);

        assertEquals(List.of(), LocalClusterEndpoints.read(file));
        assertEquals(OptionalLong.empty(), LocalClusterEndpoints.liveOwner(file));
    }

    @Test
    void fileOfADeadUp_hasNoLiveOwner() throws Exception {
        Process exited = new ProcessBuilder(ProcessSupervisor.sameJava().get(0), "-version").start();
        exited.waitFor();
        Path file = LocalClusterEndpoints.file(home);

        LocalClusterEndpoints.write(file, exited.pid(), List.of("127.0.0.1:7400"));

        assertEquals(OptionalLong.empty(), LocalClusterEndpoints.liveOwner(file));
    }

    @Test
    void removal_onlyByTheOwner() throws Exception {
        Path file = LocalClusterEndpoints.file(home);
        LocalClusterEndpoints.write(file, SELF, List.of("127.0.0.1:7400"));

        LocalClusterEndpoints.removeIfOwnedBy(file, SELF + 1);
        assertTrue(Files.exists(file));
        LocalClusterEndpoints.removeIfOwnedBy(file, SELF);
        assertFalse(Files.exists(file));
    }

    @Test
    void garbageOwnerLine_isNoOwner() throws Exception {
        Path file = LocalClusterEndpoints.file(home);
        Files.writeString(file, "# ratchet up pid=99999999999999999999999\n127.0.0.1:1\n", StandardCharsets.UTF_8);

        assertEquals(OptionalLong.empty(), LocalClusterEndpoints.liveOwner(file));
        assertEquals(List.of("127.0.0.1:1"), LocalClusterEndpoints.read(file));
    }
}
