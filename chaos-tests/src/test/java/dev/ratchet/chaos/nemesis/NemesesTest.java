package dev.ratchet.chaos.nemesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The catalogue: names, and combinations only inside the fault budget. */
class NemesesTest {
    @Test
    void theCatalogueHasAtLeastTwentyNemeses_eachNamedOnce_includingTheOnesTheIssueNames() {
        List<String> names = Nemeses.all().stream().map(Nemesis::name).toList();

        assertTrue(names.size() >= 20, names.toString());
        assertEquals(names.size(), new HashSet<>(names).size(), "a name twice: " + names);
        assertTrue(names.containsAll(List.of(
                "kill-leader",
                "kill-cache",
                "pause-leader",
                "partition-leader",
                "partition-majority",
                "rollback-sector",
                "corrupt-sector",
                "fork-sector")));
        Nemeses.all().forEach(nemesis -> assertTrue(!nemesis.faulted().isEmpty(), nemesis.name()));
    }

    @Test
    void aPlusNamesTwoAtOnce_whenTheyFaultDifferentKinds() {
        List<Nemesis> chosen = Nemeses.byNames("kill-leader+kill-sector,pause-cache");

        assertEquals(
                List.of("kill-leader+kill-sector", "pause-cache"),
                chosen.stream().map(Nemesis::name).toList());
        assertEquals(
                Set.of(Faulted.TABLET_STORE, Faulted.SECTOR_SERVER),
                chosen.get(0).faulted());
    }

    @Test
    void twoAtOnceOfTheSameKind_isRefusedAsOverTheBudget() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Nemeses.byNames("kill-leader+pause-follower"));
        assertTrue(e.getMessage().contains("over the fault budget"), e.getMessage());

        assertThrows(IllegalArgumentException.class, () -> Nemeses.byNames("partition-leader+kill-sector"));
        assertThrows(IllegalArgumentException.class, () -> Nemeses.byNames("kill-sector+corrupt-sector"));
    }

    @Test
    void anUnknownName_isRefusedWithTheKnownOnes() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Nemeses.byNames("kill-leader+eat-disk"));
        assertTrue(e.getMessage().contains("no nemesis 'eat-disk'")
                && e.getMessage().contains("kill-cache"));
    }
}
