package dev.ratchet.chaos.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where libfaketime is on this machine (Debian's {@code libfaketime} package): preloaded into a
 * process, it offsets the wall clock by what a file says, re-read at most once a second, while
 * {@code FAKETIME_DONT_FAKE_MONOTONIC} leaves {@code System.nanoTime} (Ratis's timers) alone and
 * {@code FAKETIME_FORCE_MONOTONIC_FIX=0} turns off the fix-up loop that makes an idle JVM spin.
 */
public final class FakeClock {
    private static final List<Path> CANDIDATES = List.of(
            Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"),
            Path.of("/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"),
            Path.of("/usr/lib/faketime/libfaketime.so.1"));

    private FakeClock() {}

    /** The library's path, if installed. */
    public static Optional<Path> find() {
        return CANDIDATES.stream().filter(Files::isReadable).findFirst();
    }

    static String library() {
        return find().orElseThrow(() -> new IllegalStateException("libfaketime is not installed"))
                .toString();
    }
}
