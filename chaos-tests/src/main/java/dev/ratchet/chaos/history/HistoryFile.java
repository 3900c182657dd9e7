package dev.ratchet.chaos.history;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A history on disk: JSON Lines, one {@link Op} per line, appended and flushed as events happen so
 * that a run whose harness crashed still leaves a history that can be checked.
 *
 * <p>Absent fields are left out of a line. Reading tolerates exactly one kind of damage: a last
 * line cut short by a crash is dropped and counted ({@link Read#truncatedLines}); any other line
 * that does not parse is an error naming its line number.
 */
public final class HistoryFile implements Closeable {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private final BufferedWriter out;

    private HistoryFile(BufferedWriter out) {
        this.out = out;
    }

    /** Opens {@code path} for appending, creating it if needed. */
    public static HistoryFile append(Path path) throws IOException {
        return new HistoryFile(Files.newBufferedWriter(
                path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    }

    /** Appends {@code op} as one line and flushes it. Thread-safe. */
    public synchronized void write(Op op) {
        try {
            out.write(toLine(op));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the history", e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }

    /** Returns {@code op} as one JSON line, without the newline. */
    public static String toLine(Op op) {
        return GSON.toJson(op);
    }

    /** What {@link #read} found: the ops in file order, and how many cut-off last lines it dropped. */
    public record Read(List<Op> ops, int truncatedLines) {
        public Read {
            ops = List.copyOf(ops);
        }
    }

    /**
     * Reads every op of the history at {@code path}.
     *
     * @throws IOException if the file cannot be read, or a line other than the last does not parse
     */
    public static Read read(Path path) throws IOException {
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        List<Op> ops = new ArrayList<>(lines.size());
        int truncated = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                Op op = GSON.fromJson(line, Op.class);
                if (op == null || op.type() == null || op.f() == null) {
                    throw new JsonParseException("missing type or f");
                }
                ops.add(op);
            } catch (RuntimeException e) { // Gson wraps a refused record constructor in a bare RuntimeException
                if (i == lines.size() - 1) {
                    truncated++;
                    continue;
                }
                throw new IOException(path + " line " + (i + 1) + " is not a history op: " + e.getMessage(), e);
            }
        }
        return new Read(ops, truncated);
    }
}
