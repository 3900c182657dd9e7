package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.Network;
import java.io.IOException;
import java.util.Set;

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

    /** What it makes faulty: a combination's parts must fault disjoint kinds. */
    Set<Faulted> faulted();

    /** Heals the fault injected last; returns what it did. */
    String stop(Target target) throws IOException;

    /**
     * Why this nemesis cannot run here (a network that cannot partition, no cgroup controller),
     * or empty if it can; a run refuses it up front rather than have it do nothing.
     */
    default String unavailable(Network network) {
        return "";
    }

    /** Whether the cluster's processes must run under libfaketime for this nemesis. */
    default boolean needsFakeClocks() {
        return false;
    }
}
