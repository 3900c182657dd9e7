package dev.ratchet.chaos.workload;

/** The clients of a chaos run: they start, run until closed, and may read what they wrote at the end. */
public interface Workload extends AutoCloseable {
    /** Starts the workers. */
    void start();

    /** Stops the workers and waits (bounded) for their last operations. */
    @Override
    void close() throws InterruptedException;

    /** After the heal and {@link #close}: reads what the checker needs at the end (nothing by default). */
    default void finalReads() {}
}
