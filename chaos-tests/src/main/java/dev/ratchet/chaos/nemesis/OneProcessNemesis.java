package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.NodeProcess;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A nemesis that faults one process at a time: it chooses a target, injects the fault, and at the
 * stop heals that very process (or replaces it). Keeping one fault active per nemesis is what
 * keeps it inside the budget.
 */
abstract class OneProcessNemesis implements Nemesis {
    private final String name;
    private final String description;
    private final Function<Target, Optional<NodeProcess>> choose;
    private final Faulted kind;
    private NodeProcess faulted;

    OneProcessNemesis(
            String name, String description, Faulted faulted, Function<Target, Optional<NodeProcess>> choose) {
        this.name = name;
        this.kind = faulted;
        this.description = description;
        this.choose = choose;
    }

    /** Faults {@code node}; returns what was done. By default a SIGKILL: RAM and sockets are gone. */
    String inject(Target target, NodeProcess node) throws IOException {
        node.kill();
        return "killed " + node;
    }

    /** Heals (or replaces) {@code node}, faulted by {@link #inject}; returns what was done. */
    abstract String heal(Target target, NodeProcess node) throws IOException;

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final Set<Faulted> faulted() {
        return Set.of(kind);
    }

    @Override
    public final String start(Target target) throws IOException {
        Optional<NodeProcess> chosen = choose.apply(target);
        if (chosen.isEmpty()) {
            return "no target found";
        }
        String done = inject(target, chosen.get());
        faulted = chosen.get();
        return done;
    }

    @Override
    public final String stop(Target target) throws IOException {
        if (faulted == null) {
            return "nothing to heal";
        }
        NodeProcess node = faulted;
        faulted = null;
        return heal(target, node);
    }

    /** Chooses one of {@code nodes}, or none if it is empty. */
    static Optional<NodeProcess> any(Target target, List<NodeProcess> nodes) {
        return nodes.isEmpty() ? Optional.empty() : Optional.of(target.pick(nodes));
    }
}
