package dev.ratchet.raft;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incarnation directories: each start gets a new one, dead ones are deleted at the next start, and
 * live ones (locked) are left alone.
 */
class IncarnationDirectoryTest {
    private static final String NODE = "a".repeat(64);

    /** @TempDir may be on disk; these tests are about incarnations, not the filesystem check. */
    private static final boolean ALLOW_DISK = true;

    @Test
    void aRootOnDisk_isRefused_sayingWhyAndWhatOverridesIt() {
        IllegalStateException refused = assertThrows(
                IllegalStateException.class, () -> IncarnationDirectory.checkRam(Path.of("/var/raft"), "ext4", false));
        assertTrue(refused.getMessage().contains("/var/raft"), refused.getMessage());
        assertTrue(refused.getMessage().contains("ext4"), refused.getMessage());
        assertTrue(refused.getMessage().contains("data keys"), refused.getMessage());
        assertTrue(refused.getMessage().contains("--insecure-allow-disk"), refused.getMessage());
    }

    @Test
    void aRamRoot_isAccepted_andDiskOnlyWithTheInsecureFlag() {
        assertDoesNotThrow(() -> IncarnationDirectory.checkRam(Path.of("/dev/shm/r"), "tmpfs", false));
        assertDoesNotThrow(() -> IncarnationDirectory.checkRam(Path.of("/r"), "ramfs", false));
        assertDoesNotThrow(() -> IncarnationDirectory.checkRam(Path.of("/var/raft"), "ext4", true));
    }

    @Test
    void aNodeOnADiskRoot_refusesToStart(@TempDir Path root) throws IOException {
        String type = Files.getFileStore(root).type();
        Assumptions.assumeFalse(
                type.equals("tmpfs") || type.equals("ramfs"), "the temporary directory is a RAM filesystem here");
        assertThrows(IllegalStateException.class, () -> IncarnationDirectory.create(root, NODE, false));
        try (Stream<Path> left = Files.list(root)) {
            assertEquals(
                    0,
                    left.filter(p -> p.getFileName().toString().startsWith(NODE))
                            .count());
        }
    }

    @Test
    void everyStartGetsAFreshDirectoryNamedForTheNode(@TempDir Path root) {
        try (IncarnationDirectory one = IncarnationDirectory.create(root, NODE, ALLOW_DISK);
                IncarnationDirectory two = IncarnationDirectory.create(root, NODE, ALLOW_DISK)) {
            assertNotEquals(one.path(), two.path());
            assertTrue(one.path().getFileName().toString().startsWith(NODE + "-"));
            assertTrue(Files.isDirectory(one.path()), "a live incarnation survives another's start");
        }
    }

    @Test
    void closeDeletesTheDirectory(@TempDir Path root) throws IOException {
        IncarnationDirectory dir = IncarnationDirectory.create(root, NODE, ALLOW_DISK);
        Files.createDirectories(dir.ratisStorage().resolve("group"));
        Files.writeString(dir.ratisStorage().resolve("group/log_0"), "entries");
        dir.close();
        assertFalse(Files.exists(dir.path()));
        dir.close(); // idempotent
    }

    @Test
    void deadIncarnationsAreDeletedAtTheNextStart(@TempDir Path root) throws IOException {
        IncarnationDirectory crashed = IncarnationDirectory.create(root, NODE, ALLOW_DISK);
        Files.writeString(crashed.path().resolve("raft-meta"), "term=7 votedFor=someone");
        crashed.abandonForTest();
        Path leftover = Files.createDirectory(root.resolve("unlocked-leftover"));

        try (IncarnationDirectory next = IncarnationDirectory.create(root, "b".repeat(64), ALLOW_DISK)) {
            assertFalse(Files.exists(crashed.path()), "the crashed incarnation is never recovered");
            assertFalse(Files.exists(leftover));
            try (var children = Files.list(root)) {
                assertEquals(1, children.filter(Files::isDirectory).count());
            }
        }
    }
}
