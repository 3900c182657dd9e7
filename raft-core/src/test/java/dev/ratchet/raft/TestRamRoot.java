package dev.ratchet.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A RAM root of a test's own for Raft nodes' incarnations: under {@code /dev/shm} where it exists
 * (tmpfs, as in production), else under the temporary directory; a shared test fixture
 * (raft-core's test-jar). A root per test keeps tests from sweeping each other's incarnations.
 */
public final class TestRamRoot {
    private TestRamRoot() {}

    /** Creates a fresh, empty root whose name starts with {@code prefix}. */
    public static Path create(String prefix) {
        try {
            Path shm = Path.of("/dev/shm");
            return Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, prefix)
                    : Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes {@code root} and everything under it; nothing if it is already gone. */
    public static void delete(Path root) {
        IncarnationDirectory.deleteRecursively(root);
    }
}
