package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/** {@link LocalClusterPlan}: option checks, port layout and each process's arguments. */
class LocalClusterPlanTest {
    private static final Path CA = Path.of("/tmp/ca");
    private static final IntSupplier NO_FREE_PORTS = () -> {
        throw new AssertionError("a base port was given; no free port should be asked for");
    };

    @Test
    void basePort_laysPortsOutConsecutively_storesThenSectorsThenCaches() {
        LocalClusterPlan plan = LocalClusterPlan.of(3, "4+2", 2, 1024, 8, 7100, NO_FREE_PORTS);

        assertEquals("7100,7101,7102", plan.tabletStorePorts(0));
        assertEquals("7106,7107,7108", plan.tabletStorePorts(2));
        assertEquals(7109, plan.sectorPort(0));
        assertEquals(7114, plan.sectorPort(5));
        assertEquals(7115, plan.cachePort(0));
        assertEquals(7116, plan.cachePort(1));
        assertEquals(6, plan.sectorServers());
    }

    @Test
    void basePortZero_takesEveryPortFromTheSupplier() {
        AtomicInteger next = new AtomicInteger(40_000);

        LocalClusterPlan plan = LocalClusterPlan.of(5, "2+1", 1, 16, 4, 0, next::getAndIncrement);

        assertEquals(3 * 5 + 3 + 1, next.get() - 40_000);
        assertEquals("40012,40013,40014", plan.tabletStorePorts(4));
        assertEquals(40_018, plan.cachePort(0));
    }

    @Test
    void basePortZero_neverHandsOutAPortTwice() {
        // A supplier that probes by binding and releasing can return a port it returned before.
        int[] answers = {41_000, 41_001, 41_000, 41_002, 41_001, 41_003};
        AtomicInteger call = new AtomicInteger();

        IntSupplier repeating = () -> {
            int i = call.getAndIncrement();
            return i < answers.length ? answers[i] : 41_100 + i;
        };

        LocalClusterPlan plan = LocalClusterPlan.of(3, "1+1", 0, 16, 4, 0, repeating);

        Set<String> distinct = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            for (String port : plan.tabletStorePorts(i).split(",")) {
                assertTrue(distinct.add(port), "port " + port + " handed out twice");
            }
        }
        assertTrue(distinct.add(Integer.toString(plan.sectorPort(0))));
        assertTrue(distinct.add(Integer.toString(plan.sectorPort(1))));
    }

    @Test
    void arguments_ofEveryRole() {
        LocalClusterPlan plan = LocalClusterPlan.of(3, "2+1", 1, 64, 8, 9000, NO_FREE_PORTS);
        List<String> simulated = List.of("--platform", "simulated", "--allow-simulated", "--sim-ca", "/tmp/ca");

        assertEquals(
                concat(List.of("tablet-store", "--listen", "127.0.0.1", "--ports", "9003,9004,9005"), simulated),
                plan.tabletStoreArgs(1, CA));
        assertEquals(
                concat(List.of("sector-server", "--listen", "127.0.0.1:9010", "--sectors", "64"), simulated),
                plan.sectorServerArgs(1, CA));
        assertEquals(
                concat(
                        List.of(
                                "cache-node",
                                "--listen",
                                "127.0.0.1:9012",
                                "--tablet-store",
                                "a@h:1,2,3",
                                "--tablet-store",
                                "b@h:4,5,6"),
                        simulated),
                plan.cacheNodeArgs(0, List.of("a@h:1,2,3", "b@h:4,5,6"), CA));
        assertEquals(
                concat(
                        List.of(
                                "raft",
                                "bootstrap",
                                "--peer",
                                "a@h:1,2,3",
                                "--geometry",
                                "2+1",
                                "--tablets",
                                "8",
                                "--stripes",
                                "64",
                                "--sector",
                                "s0@h:7",
                                "--sector",
                                "s1@h:8",
                                "--sector",
                                "s2@h:9"),
                        simulated),
                plan.bootstrapArgs(List.of("a@h:1,2,3"), List.of("s0@h:7", "s1@h:8", "s2@h:9"), CA));
    }

    @Test
    void badOptions_areRefusedNamingTheOption() {
        assertRefused("--nodes", () -> LocalClusterPlan.of(4, "4+2", 1, 1024, 8, 0, () -> 1));
        assertRefused("--geometry", () -> LocalClusterPlan.of(3, "4-2", 1, 1024, 8, 0, () -> 1));
        assertRefused("--geometry", () -> LocalClusterPlan.of(3, "4+0", 1, 1024, 8, 0, () -> 1));
        assertRefused("--geometry", () -> LocalClusterPlan.of(3, "12+5", 1, 1024, 8, 0, () -> 1));
        assertRefused("--cache-nodes", () -> LocalClusterPlan.of(3, "4+2", -1, 1024, 8, 0, () -> 1));
        assertRefused("--cache-nodes", () -> LocalClusterPlan.of(3, "4+2", 9, 1024, 8, 0, () -> 1));
        assertRefused("--stripes", () -> LocalClusterPlan.of(3, "4+2", 1, 0, 8, 0, () -> 1));
        assertRefused("--stripes", () -> LocalClusterPlan.of(3, "4+2", 1, 262_145, 8, 0, () -> 1));
        assertRefused("--tablets", () -> LocalClusterPlan.of(3, "4+2", 1, 1024, 0, 0, () -> 1));
        assertRefused("--base-port", () -> LocalClusterPlan.of(3, "4+2", 1, 1024, 8, -1, () -> 1));
        assertRefused("--base-port", () -> LocalClusterPlan.of(3, "4+2", 1, 1024, 8, 65_530, () -> 1));
    }

    @Test
    void zeroCacheNodes_isAllowed() {
        LocalClusterPlan plan = LocalClusterPlan.of(3, "2+1", 0, 16, 1, 1, NO_FREE_PORTS);

        assertEquals(0, plan.cacheNodes());
        assertEquals(12, plan.ports().length);
    }

    private static void assertRefused(String option, Runnable plan) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, plan::run);
        assertTrue(e.getMessage().startsWith(option + " "), e.getMessage());
    }

    private static List<String> concat(List<String> first, List<String> second) {
        return java.util.stream.Stream.concat(first.stream(), second.stream()).toList();
    }
}
