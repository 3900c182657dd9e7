package dev.ratchet.chaos.cluster;

import java.io.IOException;
import java.util.Collection;

/**
 * The network a chaos run's processes talk over, and the link faults it can inject.
 *
 * <p>Two kinds: {@link NamespaceNetwork}, each process in a network namespace of its own on a
 * bridge the run creates, where a partition is an iptables drop inside the namespaces and so
 * reaches every link (Raft, client to cache node, cache node to sector server, any path nobody
 * remembered); and {@link LoopbackNetwork}, everything on 127.0.0.1, which cannot partition.
 * {@link #open} takes namespaces when it can and says why when it cannot.
 */
public interface Network extends AutoCloseable {
    /** Returns a fresh host for one process. */
    Host newHost(String role) throws IOException;

    /** Why this network cannot partition, or empty if it can. */
    String whyNoPartitions();

    /** Whether {@link #drop} and {@link #lose} work here; if not, {@link #whyNoPartitions} says why. */
    default boolean partitions() {
        return whyNoPartitions().isEmpty();
    }

    /**
     * Makes {@code victim} drop every packet from {@code sources}: one direction of a grudge. A
     * symmetric cut is two calls.
     *
     * @throws UnsupportedOperationException if {@link #partitions} is false
     */
    void drop(Host victim, Collection<Host> sources) throws IOException;

    /**
     * Makes {@code victim} drop each packet from the run's other hosts with probability {@code
     * probability} (random loss; no delay, since this kernel has no netem).
     */
    void lose(Host victim, double probability) throws IOException;

    /** Removes every drop and loss rule: all links heal. */
    void healAll() throws IOException;

    /** One line for the run's log: what this network is. */
    String describe();

    /** Removes whatever the network created (namespaces, bridge); strict, and never throws. */
    @Override
    void close();

    /** How a run chooses its network. */
    enum Mode {
        /** Namespaces when this machine allows them (root, ip, iptables), loopback otherwise. */
        AUTO,
        /** Namespaces, or fail. */
        NAMESPACES,
        /** Loopback only: no partitions. */
        LOOPBACK
    }

    /**
     * Opens a network of {@code mode}; under AUTO, falls back to loopback when namespaces are not
     * available, and {@link #describe} says why.
     *
     * @throws IOException if NAMESPACES was asked for and is unavailable, or setup failed
     */
    static Network open(Mode mode) throws IOException {
        if (mode == Mode.LOOPBACK) {
            return new LoopbackNetwork("loopback was asked for");
        }
        String missing = NamespaceNetwork.missingCapability();
        if (missing.isEmpty()) {
            return NamespaceNetwork.create();
        }
        if (mode == Mode.NAMESPACES) {
            throw new IOException("network namespaces are not available: " + missing);
        }
        return new LoopbackNetwork(missing);
    }
}
