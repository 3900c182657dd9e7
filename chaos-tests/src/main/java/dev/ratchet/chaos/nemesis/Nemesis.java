package dev.ratchet.chaos.nemesis;

import java.io.IOException;

/**
 * A fault a chaos run injects and heals, within the fault budget: at most a minority of
 * tablet-store nodes and at most m sector servers faulty at once.
 *
 * <p>{@link #start} and {@link #stop} alternate, one fault active at a time per nemesis; each
 * returns what it did (the target) for the history, so plots can shade the fault.
 */
public interface Nemesis {
    /** The name {@code ratchet chaos run --nemesis} takes. */
    String name();

    /** One line: what the fault is. */
    String description();

    /** Injects the fault; returns what it hit. */
    String start(Target target) throws IOException;

    /** Heals the fault injected last; returns what it did. */
    String stop(Target target) throws IOException;
}
