package dev.ratchet.chaos.nemesis;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** The nemeses a run can name, by name: each call makes fresh ones (they hold their active fault). */
public final class Nemeses {
    private static final List<Supplier<Nemesis>> ALL = List.of(
            KillCacheNode::new,
            KillTabletStore::leader,
            KillTabletStore::follower,
            SectorServerFault::kill,
            PauseNode::leader,
            PauseNode::follower,
            PauseNode::cacheNode,
            PauseNode::sectorServer,
            Partition::leader,
            Partition::majority,
            Partition::bridge,
            Partition::ring,
            Partition::cacheNode,
            Partition::sectorServer,
            () -> new LossyLinks(0.2),
            SectorServerFault::rollback,
            SectorServerFault::corrupt,
            SectorServerFault::fork,
            SlowNode::leader,
            SlowNode::cacheNode,
            ClockSkew::new);

    private Nemeses() {}

    /** Returns one of each nemesis, in catalogue order. */
    public static List<Nemesis> all() {
        return ALL.stream().map(Supplier::get).toList();
    }

    /**
     * Returns fresh nemeses for {@code names} (comma-separated, taken in turn; {@code a+b} is a
     * and b at once), or none for "none".
     *
     * @throws IllegalArgumentException naming an unknown nemesis and the known ones, or a
     *     combination over the fault budget
     */
    public static List<Nemesis> byNames(String names) {
        List<Nemesis> chosen = new ArrayList<>();
        for (String name : names.split(",")) {
            String wanted = name.strip();
            if (wanted.equals("none")) {
                continue;
            }
            if (wanted.contains("+")) {
                List<Nemesis> parts = new ArrayList<>();
                for (String part : wanted.split("\\+")) {
                    parts.add(one(part.strip()));
                }
                chosen.add(Combined.of(parts));
            } else {
                chosen.add(one(wanted));
            }
        }
        return chosen;
    }

    private static Nemesis one(String wanted) {
        return all().stream()
                .filter(nemesis -> nemesis.name().equals(wanted))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no nemesis '" + wanted + "'; known: none, "
                        + String.join(", ", all().stream().map(Nemesis::name).toList())
                        + " (and a+b for two at once)"));
    }
}
