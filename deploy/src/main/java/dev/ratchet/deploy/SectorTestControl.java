package dev.ratchet.deploy;

import dev.ratchet.sector.server.TestHooks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * INSECURE, chaos tests only: the host attacks on a sector server's RAM ({@link TestHooks}) driven
 * one command a line from stdin, answered one line each on stdout, so a harness can roll back or
 * corrupt a running server process. {@code ratchet sector-server --test-control} turns it on and
 * only on the simulated platform (the server refuses hooks otherwise).
 *
 * <p>Commands, and their answers:
 *
 * <ul>
 *   <li>{@code snapshot}: copies the RAM; {@code test-control ok snapshot used=N}.
 *   <li>{@code rollback}: puts the RAM back to the last snapshot, as a host restoring an old VM
 *       image would; {@code test-control ok rollback used=N}.
 *   <li>{@code corrupt COUNT SEED}: flips bits of one byte in each of up to COUNT used sectors,
 *       chosen from SEED; {@code test-control ok corrupt sectors=N}.
 *   <li>{@code corrupt-writes on|off}: from now on every sector written is stored with one bit
 *       flipped, or no longer; {@code test-control ok corrupt-writes on|off}.
 *   <li>{@code fork NODE_ID[,NODE_ID...]}: from now on those attested peers are answered by a
 *       clone of the server (same identity, a copy of the RAM that then diverges); {@code
 *       test-control ok fork callers=N used=M}.
 *   <li>{@code unfork}: every peer is answered by the original again; {@code test-control ok
 *       unfork}.
 * </ul>
 *
 * Anything else, or a command that cannot run, answers {@code test-control error <reason>} and
 * changes nothing; the server keeps serving either way.
 */
final class SectorTestControl {
    static final String USAGE =
            "snapshot, rollback, corrupt COUNT SEED, corrupt-writes on|off, fork NODE_ID[,NODE_ID...], unfork";

    private static final Pattern NODE_ID = Pattern.compile("[0-9a-f]{64}");

    private final TestHooks hooks;
    private TestHooks.Snapshot snapshot;

    SectorTestControl(TestHooks hooks) {
        this.hooks = hooks;
    }

    /** Reads commands from {@code in} on a daemon thread until it ends, answering on {@code out}. */
    void serve(InputStream in, PrintWriter out) {
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                            String answer = apply(line);
                            synchronized (out) {
                                out.println(answer);
                                out.flush();
                            }
                        }
                    } catch (IOException e) {
                        // stdin closed: no more commands.
                    }
                },
                "sector-test-control");
        reader.setDaemon(true);
        reader.start();
    }

    /** Runs one command line; returns its answer line. */
    String apply(String line) {
        String[] words = line.strip().split("\\s+");
        try {
            switch (words[0]) {
                case "snapshot":
                    requireArguments(words, 0);
                    snapshot = hooks.snapshot();
                    return "test-control ok snapshot used=" + hooks.usedSectorIndices().length;
                case "rollback":
                    requireArguments(words, 0);
                    if (snapshot == null) {
                        return "test-control error rollback: no snapshot was taken";
                    }
                    hooks.restore(snapshot);
                    return "test-control ok rollback used=" + hooks.usedSectorIndices().length;
                case "corrupt":
                    requireArguments(words, 2);
                    return "test-control ok corrupt sectors="
                            + corrupt(Integer.parseInt(words[1]), Long.parseLong(words[2]));
                case "corrupt-writes":
                    requireArguments(words, 1);
                    if (!words[1].equals("on") && !words[1].equals("off")) {
                        return "test-control error corrupt-writes: on or off, not '" + words[1] + "'";
                    }
                    hooks.corruptWrites(words[1].equals("on"));
                    return "test-control ok corrupt-writes " + words[1];
                case "fork":
                    requireArguments(words, 1);
                    Set<String> callers = Set.of(words[1].split(","));
                    for (String caller : callers) {
                        if (!NODE_ID.matcher(caller).matches()) {
                            return "test-control error fork: not a node id (64 hex digits): '" + caller + "'";
                        }
                    }
                    long used = hooks.fork(callers);
                    return "test-control ok fork callers=" + callers.size() + " used=" + used;
                case "unfork":
                    requireArguments(words, 0);
                    hooks.unfork();
                    return "test-control ok unfork";
                default:
                    return "test-control error unknown command '" + line.strip() + "'; known: " + USAGE;
            }
        } catch (NumberFormatException e) {
            return "test-control error " + words[0] + ": not a number: " + e.getMessage();
        } catch (IllegalArgumentException | IllegalStateException e) {
            return "test-control error " + words[0] + ": " + e.getMessage();
        }
    }

    /** Flips bits in up to {@code count} distinct used sectors; returns how many. */
    private int corrupt(int count, long seed) {
        if (count < 1) {
            throw new IllegalArgumentException("COUNT must be at least 1, not " + count);
        }
        long[] used = hooks.usedSectorIndices();
        SplittableRandom random = new SplittableRandom(seed);
        int chosen = Math.min(count, used.length);
        // A partial Fisher-Yates shuffle: the first `chosen` entries are distinct random sectors.
        for (int i = 0; i < chosen; i++) {
            int j = i + random.nextInt(used.length - i);
            long swap = used[i];
            used[i] = used[j];
            used[j] = swap;
            hooks.flipBits(used[i], random.nextInt(4096), 1 + random.nextInt(255));
        }
        return chosen;
    }

    private static void requireArguments(String[] words, int count) {
        if (words.length != count + 1) {
            throw new IllegalArgumentException("takes " + count + " arguments; known: " + USAGE);
        }
    }
}
