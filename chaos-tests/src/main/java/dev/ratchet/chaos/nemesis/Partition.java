package dev.ratchet.chaos.nemesis;

import dev.ratchet.chaos.cluster.Host;
import dev.ratchet.chaos.cluster.Network;
import dev.ratchet.chaos.cluster.NodeProcess;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A network partition: a grudge (each victim and the hosts whose packets it drops) chosen at the
 * start from the live processes, applied as iptables drops inside the victims' namespaces, and
 * healed at the stop. Every link of a victim is cut, whatever it carries. The grudges keep a
 * majority of tablet-store nodes connected and cut at most m sector servers, so the cluster must
 * go on serving (after an election at most) and must never serve a stale or lost value.
 *
 * <p>Needs a network that can partition ({@link Network#partitions}); a run refuses a partition
 * nemesis on loopback up front, rather than have it do nothing.
 */
final class Partition extends LinkFault {
    /** Victim to the hosts it drops; insertion-ordered so the description reads stably. */
    record Grudge(Map<Host, Set<Host>> drops, String what) {
        static Grudge none(String why) {
            return new Grudge(Map.of(), why);
        }

        /** Both directions between every host of {@code one} and every host of {@code other}. */
        static Grudge cut(Collection<Host> one, Collection<Host> other, String what) {
            return new Grudge(cutDrops(one, other), what);
        }
    }

    private final String name;
    private final String description;
    private final Function<Target, Grudge> plan;
    private final Set<Faulted> faulted;

    private Partition(String name, String description, Set<Faulted> faulted, Function<Target, Grudge> plan) {
        this.name = name;
        this.faulted = faulted;
        this.description = description;
        this.plan = plan;
    }

    /** The leader alone on one side; every other process (stores, cache nodes, sectors) on the other. */
    static Partition leader() {
        return new Partition(
                "partition-leader",
                "cut the tablet-store leader off from every other process; heal at the stop",
                Set.of(Faulted.TABLET_STORE, Faulted.SECTOR_SERVER, Faulted.CACHE_NODE),
                target -> target.leader()
                        .map(leader -> Grudge.cut(
                                List.of(leader.host()),
                                hostsOf(allBut(target.allProcesses(), leader)),
                                "isolated leader " + leader))
                        .orElse(Grudge.none("no leader found")));
    }

    /** A random minority of tablet-store nodes against the majority; the rest reach both sides. */
    static Partition majority() {
        return new Partition(
                "partition-majority",
                "split the tablet-store nodes into a random minority and majority; heal at the stop",
                Set.of(Faulted.TABLET_STORE),
                target -> {
                    List<NodeProcess> stores = target.shuffled(target.liveTabletStoreMembers());
                    int minority = target.cluster().spec().tabletStoreFaultsMax();
                    if (stores.size() <= minority) {
                        return Grudge.none("too few live members");
                    }
                    List<NodeProcess> small = stores.subList(0, minority);
                    List<NodeProcess> large = stores.subList(minority, stores.size());
                    return Grudge.cut(hostsOf(small), hostsOf(large), "minority " + small + " | majority " + large);
                });
    }

    /**
     * Two halves of the tablet-store nodes that cannot see each other, and one bridge node that
     * sees both: the bridge is the only node a majority can form around.
     */
    static Partition bridge() {
        return new Partition(
                "partition-bridge",
                "cut the tablet-store nodes into two halves joined by one bridge node; heal at the stop",
                Set.of(Faulted.TABLET_STORE),
                target -> {
                    List<NodeProcess> stores = target.shuffled(target.liveTabletStoreMembers());
                    if (stores.size() < 3) {
                        return Grudge.none("too few live members");
                    }
                    NodeProcess bridge = stores.get(0);
                    List<NodeProcess> rest = stores.subList(1, stores.size());
                    List<NodeProcess> left = rest.subList(0, rest.size() / 2);
                    List<NodeProcess> right = rest.subList(rest.size() / 2, rest.size());
                    return Grudge.cut(hostsOf(left), hostsOf(right), left + " | " + right + " bridged by " + bridge);
                });
    }

    /**
     * A majorities ring: the tablet-store nodes in a random ring, each hearing only the nearest
     * (n-1)/2 others, so each sees a majority and no two see the same one. With 5 nodes the ring is
     * symmetric (each hears both neighbours); with 3 it is directional (each hears its successor
     * only), the only way 3 nodes can each see a different majority.
     */
    static Partition ring() {
        return new Partition(
                "partition-ring",
                "a majorities ring: each tablet-store node hears only its nearest (n-1)/2 others; heal at the stop",
                Set.of(Faulted.TABLET_STORE),
                target -> {
                    List<NodeProcess> ring = target.shuffled(target.liveTabletStoreMembers());
                    if (ring.size() < 3) {
                        return Grudge.none("too few live members");
                    }
                    return new Grudge(ringDrops(hostsOf(ring)), "ring " + ring);
                });
    }

    /**
     * One cache node cut off from the tablet store and the sector servers, but not from clients:
     * it can neither commit nor confirm a read, so it must answer errors, never a cached value.
     */
    static Partition cacheNode() {
        return new Partition(
                "partition-cache",
                "cut one cache node off from the tablet store and the sector servers (clients still reach it)",
                Set.of(Faulted.CACHE_NODE),
                target -> {
                    List<NodeProcess> caches = Target.running(target.cluster().cacheNodes());
                    if (caches.isEmpty()) {
                        return Grudge.none("no live cache node");
                    }
                    NodeProcess cache = target.pick(caches);
                    List<NodeProcess> backends =
                            new ArrayList<>(target.cluster().tabletStores());
                    backends.addAll(target.cluster().sectorServers());
                    return Grudge.cut(List.of(cache.host()), hostsOf(backends), "isolated cache node " + cache);
                });
    }

    /** One sector server cut off from every cache node (m allows one). */
    static Partition sectorServer() {
        return new Partition(
                "partition-sector",
                "cut one sector server off from every cache node (m allows it); heal at the stop",
                Set.of(Faulted.SECTOR_SERVER),
                target -> {
                    List<NodeProcess> sectors = Target.running(target.cluster().sectorServers());
                    if (sectors.isEmpty()) {
                        return Grudge.none("no live sector server");
                    }
                    NodeProcess sector = target.pick(sectors);
                    return Grudge.cut(
                            List.of(sector.host()),
                            hostsOf(target.cluster().cacheNodes()),
                            "isolated sector server " + sector);
                });
    }

    /** A symmetric cut: each of {@code one} drops each of {@code other}, and the other way. */
    static <T> Map<T, Set<T>> cutDrops(Collection<T> one, Collection<T> other) {
        Map<T, Set<T>> drops = new LinkedHashMap<>();
        for (T a : one) {
            for (T b : other) {
                if (!a.equals(b)) {
                    drops.computeIfAbsent(a, key -> new LinkedHashSet<>()).add(b);
                    drops.computeIfAbsent(b, key -> new LinkedHashSet<>()).add(a);
                }
            }
        }
        return drops;
    }

    /**
     * The majorities ring over {@code ring} (in ring order): each member to the members it drops,
     * which are all but the nearest (n-1)/2, taken successor first, then predecessor, then the
     * next successor, and so on.
     */
    static <T> Map<T, Set<T>> ringDrops(List<T> ring) {
        int n = ring.size();
        Map<T, Set<T>> drops = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Set<T> heard = new LinkedHashSet<>();
            for (int k = 1; k <= (n - 1) / 2; k++) {
                int offset = k % 2 == 1 ? (k + 1) / 2 : -(k / 2);
                heard.add(ring.get(Math.floorMod(i + offset, n)));
            }
            Set<T> dropped = new LinkedHashSet<>();
            for (T other : ring) {
                if (!other.equals(ring.get(i)) && !heard.contains(other)) {
                    dropped.add(other);
                }
            }
            drops.put(ring.get(i), dropped);
        }
        return drops;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public Set<Faulted> faulted() {
        return faulted;
    }

    @Override
    public String start(Target target) throws IOException {
        Grudge grudge = plan.apply(target);
        if (grudge.drops().isEmpty()) {
            return "no partition: " + grudge.what();
        }
        Network network = target.cluster().network();
        rulesComing();
        for (Map.Entry<Host, Set<Host>> entry : grudge.drops().entrySet()) {
            network.drop(entry.getKey(), entry.getValue());
        }
        return grudge.what() + " (" + links(grudge) + " directed links dropped)";
    }

    private static int links(Grudge grudge) {
        return grudge.drops().values().stream().mapToInt(Set::size).sum();
    }

    static List<Host> hostsOf(Collection<NodeProcess> nodes) {
        return nodes.stream().map(NodeProcess::host).distinct().collect(Collectors.toList());
    }

    private static List<NodeProcess> allBut(List<NodeProcess> nodes, NodeProcess left) {
        return nodes.stream().filter(node -> node != left).toList();
    }
}
