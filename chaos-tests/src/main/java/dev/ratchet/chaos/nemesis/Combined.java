package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.Network;
import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Two nemeses at once, named {@code a+b}: started in order, held together, stopped in reverse
 * order with {@value #HEAL_STAGGER_MILLIS} ms of traffic between the heals, because faults rarely
 * heal at once and the system must also serve with one of them healed (a cache node restarted while
 * a sector server still lies must read through the lie, not around it). Their parts must fault disjoint kinds ({@link Faulted}), so the pair stays inside the
 * fault budget that each alone respects: kill-leader+kill-sector is allowed, kill-leader+
 * pause-follower (two of three tablet-store nodes) is not.
 */
final class Combined implements Nemesis {
    /** The traffic between one part's heal and the next's. */
    static final long HEAL_STAGGER_MILLIS = 3_000;

    private final List<Nemesis> parts;

    private Combined(List<Nemesis> parts) {
        this.parts = List.copyOf(parts);
    }

    /**
     * Combines {@code parts}.
     *
     * @throws IllegalArgumentException if two parts fault the same kind
     */
    static Combined of(List<Nemesis> parts) {
        Set<Faulted> seen = EnumSet.noneOf(Faulted.class);
        for (Nemesis part : parts) {
            for (Faulted kind : part.faulted()) {
                if (!seen.add(kind)) {
                    throw new IllegalArgumentException("'"
                            + parts.stream().map(Nemesis::name).collect(Collectors.joining("+"))
                            + "' would fault two of " + kind
                            + " at once, over the fault budget; combine nemeses that fault different kinds");
                }
            }
        }
        return new Combined(parts);
    }

    @Override
    public String name() {
        return parts.stream().map(Nemesis::name).collect(Collectors.joining("+"));
    }

    @Override
    public String description() {
        return parts.stream().map(Nemesis::description).collect(Collectors.joining("; and at once: "));
    }

    @Override
    public Set<Faulted> faulted() {
        Set<Faulted> all = EnumSet.noneOf(Faulted.class);
        parts.forEach(part -> all.addAll(part.faulted()));
        return all;
    }

    @Override
    public String unavailable(Network network) {
        return parts.stream()
                .map(part -> part.unavailable(network))
                .filter(reason -> !reason.isEmpty())
                .findFirst()
                .orElse("");
    }

    @Override
    public boolean needsFakeClocks() {
        return parts.stream().anyMatch(Nemesis::needsFakeClocks);
    }

    @Override
    public String start(Target target) throws IOException {
        StringBuilder done = new StringBuilder();
        for (Nemesis part : parts) {
            done.append(done.length() == 0 ? "" : "; ")
                    .append(part.name())
                    .append(": ")
                    .append(part.start(target));
        }
        return done.toString();
    }

    @Override
    public String stop(Target target) throws IOException {
        StringBuilder done = new StringBuilder();
        IOException first = null;
        for (int i = parts.size() - 1; i >= 0; i--) {
            if (i < parts.size() - 1) {
                // A deliberate hold of the schedule, not a wait for a condition.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(HEAL_STAGGER_MILLIS));
            }
            try {
                done.append(done.length() == 0 ? "" : "; ")
                        .append(parts.get(i).name())
                        .append(": ")
                        .append(parts.get(i).stop(target));
            } catch (IOException e) {
                // Heal the others anyway; the first failure is reported.
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
        return done.toString();
    }
}
