package dev.ratchet.chaos.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The history file: one JSON line per op, flushed as written, readable after a crash. */
class HistoryFileTest {
    @TempDir
    Path dir;

    private static final Op PUT =
            new Op(1, 10, 3, OpType.INVOKE, "cas", "k\"1", "v\n", null, Op.Expect.version(4), null, null, "c1", null);
    private static final Op DONE = new Op(2, 20, 3, OpType.OK, "cas", "k\"1", null, 5L, null, true, null, "c1", null);
    private static final Op NEMESIS =
            new Op(3, 30, Op.NEMESIS, OpType.INFO, "kill-leader", null, null, null, null, null, null, "t2", "start");

    @Test
    void opsRoundTrip_andAbsentFieldsAreLeftOut() throws IOException {
        Path file = dir.resolve("history.jsonl");
        try (HistoryFile history = HistoryFile.append(file)) {
            history.write(PUT);
            history.write(DONE);
            history.write(NEMESIS);
            // Flushed as written: readable before the file is closed.
            assertEquals(3, HistoryFile.read(file).ops().size());
        }

        HistoryFile.Read read = HistoryFile.read(file);
        assertEquals(List.of(PUT, DONE, NEMESIS), read.ops());
        assertEquals(0, read.truncatedLines());
        String firstLine = Files.readAllLines(file, StandardCharsets.UTF_8).get(0);
        assertFalse(firstLine.contains("swapped"), firstLine);
        assertTrue(NEMESIS.nemesis());
    }

    @Test
    void aLastLineCutShortByACrash_isDroppedAndCounted() throws IOException {
        Path file = dir.resolve("history.jsonl");
        String cut = HistoryFile.toLine(DONE).substring(0, 17);
        Files.writeString(file, HistoryFile.toLine(PUT) + "\n" + cut, StandardCharsets.UTF_8);

        HistoryFile.Read read = HistoryFile.read(file);

        assertEquals(List.of(PUT), read.ops());
        assertEquals(1, read.truncatedLines());
    }

    @Test
    void aBadLineInTheMiddle_isAnErrorNamingItsLine() throws IOException {
        Path file = dir.resolve("history.jsonl");
        Files.writeString(file, HistoryFile.toLine(PUT) + "\n{\"seq\":2}\n" + HistoryFile.toLine(DONE) + "\n");

        IOException e = assertThrows(IOException.class, () -> HistoryFile.read(file));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void appendingToAnExistingHistory_keepsWhatWasThere() throws IOException {
        Path file = dir.resolve("history.jsonl");
        Files.writeString(file, HistoryFile.toLine(PUT) + "\n", StandardOpenOption.CREATE);
        try (HistoryFile history = HistoryFile.append(file)) {
            history.write(DONE);
        }
        assertEquals(List.of(PUT, DONE), HistoryFile.read(file).ops());
    }
}
