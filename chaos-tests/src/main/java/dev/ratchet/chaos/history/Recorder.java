package dev.ratchet.chaos.history;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Records a run's history as it happens: stamps each event with the next sequence number and the
 * run's monotonic time, appends it to the history file, and keeps it for the checkers.
 *
 * <p>The sequence number is taken inside one lock with the append, so file order is real-time
 * order. Callers take an invocation's number before sending the request and a completion's after
 * the answer arrived, which makes every recorded interval contain the real one.
 */
public final class Recorder implements AutoCloseable {
    private final HistoryFile file;
    private final LongSupplier nanoClock;
    private final long startNanos;
    private final List<Op> ops = new ArrayList<>();
    private long seq;

    public Recorder(Path path, LongSupplier nanoClock) throws IOException {
        this.file = HistoryFile.append(path);
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
    }

    /**
     * Records {@code op} with this run's next sequence number and the time now (the fields of
     * {@code op} for both are ignored); returns the op as recorded.
     */
    public synchronized Op record(Op op) {
        seq++;
        Op stamped = new Op(
                seq,
                nanoClock.getAsLong() - startNanos,
                op.process(),
                op.type(),
                op.f(),
                op.key(),
                op.value(),
                op.version(),
                op.expect(),
                op.swapped(),
                op.existed(),
                op.node(),
                op.error());
        file.write(stamped);
        ops.add(stamped);
        return stamped;
    }

    /** Returns every op recorded so far, in order. */
    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    /** Nanoseconds since the run began. */
    public long elapsedNanos() {
        return nanoClock.getAsLong() - startNanos;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
