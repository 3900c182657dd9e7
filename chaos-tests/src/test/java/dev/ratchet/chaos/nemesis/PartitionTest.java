package dev.ratchet.chaos.nemesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The partition shapes: who drops whom, and that each keeps the properties its name promises. */
class PartitionTest {
    @Test
    void aCutDropsBothDirectionsBetweenTheSides_andNothingWithinASide() {
        Map<String, Set<String>> drops = Partition.cutDrops(List.of("a"), List.of("b", "c"));
        assertEquals(Map.of("a", Set.of("b", "c"), "b", Set.of("a"), "c", Set.of("a")), drops);
    }

    @Test
    void aCutNeverMakesAHostDropItself() {
        Map<String, Set<String>> drops = Partition.cutDrops(List.of("a", "b"), List.of("b", "c"));
        drops.forEach((victim, dropped) -> assertTrue(!dropped.contains(victim), victim + " drops itself"));
    }

    @Test
    void aFiveNodeRingIsSymmetric_eachHearsBothNeighboursAndNoOneElse() {
        List<String> ring = List.of("n1", "n2", "n3", "n4", "n5");
        Map<String, Set<String>> drops = Partition.ringDrops(ring);
        assertEquals(Set.of("n3", "n4"), drops.get("n1"));
        assertEquals(Set.of("n4", "n5"), drops.get("n2"));
        drops.forEach((victim, dropped) ->
                dropped.forEach(other -> assertTrue(drops.get(other).contains(victim), "symmetric")));
        assertEachSeesADifferentMajority(ring, drops);
    }

    @Test
    void aThreeNodeRingIsDirectional_eachHearsItsSuccessorOnly() {
        List<String> ring = List.of("n1", "n2", "n3");
        Map<String, Set<String>> drops = Partition.ringDrops(ring);
        assertEquals(Map.of("n1", Set.of("n3"), "n2", Set.of("n1"), "n3", Set.of("n2")), drops);
        assertEachSeesADifferentMajority(ring, drops);
    }

    private static void assertEachSeesADifferentMajority(List<String> ring, Map<String, Set<String>> drops) {
        Set<Set<String>> views = new HashSet<>();
        for (String node : ring) {
            Set<String> heard = new HashSet<>(ring);
            heard.removeAll(drops.get(node));
            assertEquals(ring.size() / 2 + 1, heard.size(), node + " hears a bare majority, itself included");
            views.add(heard);
        }
        assertEquals(ring.size(), views.size(), "no two nodes see the same majority");
    }
}
