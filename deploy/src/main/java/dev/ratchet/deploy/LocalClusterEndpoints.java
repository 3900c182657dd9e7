package dev.ratchet.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The well-known file where {@code ratchet up} publishes the local cluster's client endpoints, so
 * the data commands ({@code put}, {@code get}, ...) find it without {@code --endpoint}:
 * {@code $RATCHET_HOME/local-cluster.endpoints}.
 *
 * <p>Format: a first line {@code # ratchet up pid=<pid> ...}, then one {@code HOST:PORT} per cache
 * node. The pid tells a live cluster's file from one left by a killed {@code up}; the file is
 * written atomically and removed by the {@code up} that wrote it.
 */
final class LocalClusterEndpoints {
    /** The file is a few lines; anything larger is not ours, and is not read into memory. */
    static final long FILE_BYTES_MAX = 64 * 1024;

    private static final String OWNER_PREFIX = "# ratchet up pid=";

    private LocalClusterEndpoints() {}

    /** Returns the endpoints file under {@code home}. */
    static Path file(Path home) {
        return home.resolve("local-cluster.endpoints");
    }

    /** Writes {@code endpoints} for the {@code up} process {@code pid}, replacing any earlier file atomically. */
    static void write(Path file, long pid, List<String> endpoints) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        List<String> lines = new ArrayList<>();
        lines.add(OWNER_PREFIX + pid + " (INSECURE simulated TEE); one cache-node HOST:PORT per line");
        lines.addAll(endpoints);
        Path temporary = file.resolveSibling(file.getFileName() + "." + pid + ".tmp");
        Files.write(temporary, lines, StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Returns the endpoints in {@code file}; empty if there is no file. */
    static List<String> read(Path file) throws IOException {
        return lines(file).stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .toList();
    }

    /** Returns the pid of the {@code up} that wrote {@code file}, if it is still running. */
    static OptionalLong liveOwner(Path file) throws IOException {
        for (String line : lines(file)) {
            if (line.startsWith(OWNER_PREFIX)) {
                String digits = line.substring(OWNER_PREFIX.length()).split("\\D", 2)[0];
                if (digits.isEmpty()) {
                    return OptionalLong.empty();
                }
                long pid;
                try {
                    pid = Long.parseLong(digits);
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
                boolean alive =
                        ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                return alive ? OptionalLong.of(pid) : OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    /** Deletes {@code file} if the {@code up} process {@code pid} wrote it. */
    static void removeIfOwnedBy(Path file, long pid) throws IOException {
        List<String> lines = lines(file);
        if (!lines.isEmpty() && lines.get(0).startsWith(OWNER_PREFIX + pid + " ")) {
            Files.deleteIfExists(file);
        }
    }

    private static List<String> lines(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        if (Files.size(file) > FILE_BYTES_MAX) {
            throw new IOException(file + " is over " + FILE_BYTES_MAX + " bytes; it is not a ratchet endpoints file");
        }
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }
}
