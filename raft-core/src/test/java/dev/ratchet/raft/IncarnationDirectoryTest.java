package dev.ratchet.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incarnation directories: each start gets a new one, dead ones are deleted at the next start, and
 * live ones (locked) are left alone.
 */
class IncarnationDirectoryTest {
    private static final String NODE = "a".repeat(64);

    @Test
    void everyStartGetsAFreshDirectoryNamedForTheNode(@TempDir Path root) {
        try (IncarnationDirectory one = IncarnationDirectory.create(root, NODE);
                IncarnationDirectory two = IncarnationDirectory.create(root, NODE)) {
            assertNotEquals(one.path(), two.path());
            assertTrue(one.path().getFileName().toString().startsWith(NODE + "-"));
            assertTrue(Files.isDirectory(one.path()), "a live incarnation survives another's start");
        }
    }

    @Test
    void closeDeletesTheDirectory(@TempDir Path root) throws IOException {
        IncarnationDirectory dir = IncarnationDirectory.create(root, NODE);
        Files.createDirectories(dir.ratisStorage().resolve("group"));
        Files.writeString(dir.ratisStorage().resolve("group/log_0"), "entries");
        dir.close();
        assertFalse(Files.exists(dir.path()));
        dir.close(); // idempotent
    }

    @Test
    void deadIncarnationsAreDeletedAtTheNextStart(@TempDir Path root) throws IOException {
        IncarnationDirectory crashed = IncarnationDirectory.create(root, NODE);
        Files.writeString(crashed.path().resolve("raft-meta"), "term=7 votedFor=someone");
        crashed.abandonForTest();
        Path leftover = Files.createDirectory(root.resolve("unlocked-leftover"));

        try (IncarnationDirectory next = IncarnationDirectory.create(root, "b".repeat(64))) {
            assertFalse(Files.exists(crashed.path()), "the crashed incarnation is never recovered");
            assertFalse(Files.exists(leftover));
            try (var children = Files.list(root)) {
                assertEquals(1, children.filter(Files::isDirectory).count());
            }
        }
    }
}
