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
            KillSectorServer::new,
            PauseNode::leader,
            PauseNode::follower,
            PauseNode::cacheNode,
            PauseNode::sectorServer);

    private Nemeses() {}

    /** Returns one of each nemesis, in catalogue order. */
    public static List<Nemesis> all() {
        return ALL.stream().map(Supplier::get).toList();
    }

    /**
     * Returns fresh nemeses for {@code names} (comma-separated), or none for "none".
     *
     * @throws IllegalArgumentException naming an unknown nemesis, and the known ones
     */
    public static List<Nemesis> byNames(String names) {
        List<Nemesis> chosen = new ArrayList<>();
        for (String name : names.split(",")) {
            String wanted = name.strip();
            if (wanted.equals("none")) {
                continue;
            }
            chosen.add(all().stream()
                    .filter(nemesis -> nemesis.name().equals(wanted))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no nemesis '" + wanted + "'; known: none, "
                            + String.join(
                                    ", ", all().stream().map(Nemesis::name).toList()))));
        }
        return chosen;
    }
}
