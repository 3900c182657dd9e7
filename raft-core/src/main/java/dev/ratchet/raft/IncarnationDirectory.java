package dev.ratchet.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RAM-filesystem directory of one node incarnation, {@code <root>/<nodeId>-<random>}, holding
 * its Ratis log, term and vote, and deleted when the incarnation ends.
 *
 * <p><b>Why per incarnation, and why nothing is ever recovered.</b> A node's identity key lives
 * only in its process's memory, so every directory left under the root belongs to a dead node:
 * recovering one would revive a vote and a log under an identity nobody holds any more, and Ratis
 * recovers every group directory it finds under its storage root at start (ratis-guide §2.3). So
 * {@link #create} deletes every other incarnation directory that no live process holds, and the
 * new one is always empty (Ratis then formats it).
 *
 * <p><b>Liveness is a lock, not a guess.</b> Several nodes may share a root (tests, or several
 * nodes on one host). Each live incarnation holds an OS file lock on {@code incarnation.lock} in
 * its directory for its whole life; the lock dies with the process, however it dies. A directory
 * whose lock can be taken, or that has no lock file, is stale. Creating and sweeping run under a
 * root-wide lock ({@code .sweep.lock}, plus a JVM-wide monitor because file locks are per process),
 * so a sweeper never sees a directory between its creation and its lock.
 */
final class IncarnationDirectory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IncarnationDirectory.class);
    private static final String LOCK_FILE = "incarnation.lock";
    private static final String SWEEP_LOCK_FILE = ".sweep.lock";
    private static final Set<String> RAM_FILESYSTEMS = Set.of("tmpfs", "ramfs");

    // The incarnations this JVM holds. Never probe their lock files: on Linux, closing any channel
    // to a file drops every lock this process holds on it (FileChannel javadoc). Guarded by the
    // class monitor.
    private static final Set<Path> HELD_HERE = new HashSet<>();

    private final Path path;
    // Guarded by this.
    private FileChannel lockChannel;
    private FileLock lock;

    private IncarnationDirectory(Path path, FileChannel lockChannel, FileLock lock) {
        this.path = path;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Deletes the stale incarnations under {@code root} and creates and locks a new one for
     * {@code nodeId}.
     *
     * @param allowDisk whether a root that is not a RAM filesystem is accepted (INSECURE, for
     *     development); otherwise it is refused
     * @throws UncheckedIOException if the root cannot be used: a node without its log is no node
     * @throws IllegalStateException if the root is not a RAM filesystem and {@code allowDisk} is false
     */
    static IncarnationDirectory create(Path root, String nodeId, boolean allowDisk) {
        try {
            Files.createDirectories(root);
            checkRam(root, Files.getFileStore(root).type(), allowDisk);
            synchronized (IncarnationDirectory.class) {
                try (FileChannel sweep = FileChannel.open(
                                root.resolve(SWEEP_LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock ignored = sweep.lock()) {
                    deleteStale(root);
                    Path path = root.resolve(nodeId + "-" + HexFormat.of().formatHex(randomBytes()));
                    Files.createDirectory(path);
                    FileChannel channel = FileChannel.open(
                            path.resolve(LOCK_FILE), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    IncarnationDirectory created = new IncarnationDirectory(path, channel, channel.lock());
                    HELD_HERE.add(path);
                    return created;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a Raft incarnation directory under " + root, e);
        }
    }

    /** Returns the directory. */
    Path path() {
        return path;
    }

    /** Returns where Ratis keeps its storage, inside this directory. */
    Path ratisStorage() {
        return path.resolve("ratis");
    }

    /** Releases the lock and deletes the directory; idempotent. */
    @Override
    public synchronized void close() {
        release();
        deleteRecursively(path);
    }

    /**
     * Releases the lock but leaves the files, as a crashed process would: for tests that show a new
     * process never takes part with them.
     */
    synchronized void abandonForTest() {
        release();
    }

    private void release() {
        synchronized (IncarnationDirectory.class) {
            HELD_HERE.remove(path);
        }
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            LOG.warn("could not release the incarnation lock of {}", path, e);
        } finally {
            lock = null;
            lockChannel = null;
        }
    }

    // The caller holds the root-wide sweep lock.
    private static void deleteStale(Path root) throws IOException {
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path child : children) {
                if (!isHeld(child)) {
                    stale.add(child);
                }
            }
        }
        for (Path dir : stale) {
            LOG.warn("deleting stale Raft incarnation {}: its node is dead and is never recovered", dir);
            deleteRecursively(dir);
        }
    }

    private static boolean isHeld(Path dir) throws IOException {
        if (HELD_HERE.contains(dir)) {
            return true;
        }
        Path lockFile = dir.resolve(LOCK_FILE);
        if (!Files.exists(lockFile)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock probe = channel.tryLock();
            if (probe == null) {
                return true; // another process holds it
            }
            probe.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // a live incarnation in this JVM holds it (HELD_HERE should have said so)
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete Raft incarnation directory " + dir, e);
        }
    }

    /**
     * Refuses a Raft root whose filesystem {@code type} is not RAM (tmpfs, ramfs), unless {@code
     * allowDisk}, which only logs a warning.
     *
     * <p>Threat: the Raft log holds every command, the data keys and the writer-authority private
     * key in the clear (inside the TEE). A disk-backed root writes them to storage the host reads,
     * and keeps the log after the node dies, which would let a "diskless" node come back with its
     * old vote and log. A RAM filesystem inside the TEE's memory keeps both promises.
     *
     * @throws IllegalStateException naming the root, its type and the flag that overrides it
     */
    static void checkRam(Path root, String type, boolean allowDisk) {
        if (RAM_FILESYSTEMS.contains(type)) {
            return;
        }
        String problem = "the Raft root " + root + " is on a " + type + " filesystem, not a RAM filesystem (tmpfs or"
                + " ramfs): the Raft log holds the data keys and the writer-authority key and would leave TEE memory";
        if (!allowDisk) {
            throw new IllegalStateException(
                    problem + "; use a RAM filesystem such as /dev/shm, or --insecure-allow-disk for development only");
        }
        LOG.warn("INSECURE (--insecure-allow-disk): {}", problem);
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}
