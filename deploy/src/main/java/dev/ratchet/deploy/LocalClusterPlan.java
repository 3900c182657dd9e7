package dev.ratchet.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code ratchet up} starts, decided before anything starts: how many processes of each role,
 * their ports, and each one's command-line arguments. Pure (no I/O): ports come from the base port
 * or, for base port 0, from an injected supplier of free ports.
 *
 * <p>Ports from base port P, for N tablet-store nodes, K+M sector servers and C cache nodes:
 * tablet-store i gets P+3i, P+3i+1, P+3i+2 (server, client, admin); sector server j gets P+3N+j;
 * cache node c gets P+3N+K+M+c.
 */
record LocalClusterPlan(
        int nodes, int dataShards, int parityShards, int cacheNodes, long stripes, int tablets, int[] ports) {
    /** Tablet-store nodes: Raft needs an odd count, and on one machine 3 or 5 is what makes sense. */
    static final List<Integer> NODE_COUNTS = List.of(3, 5);

    /** Sector servers on one machine: each is a JVM, so this bounds the memory and CPU a laptop must give. */
    static final int SECTOR_SERVERS_MAX = 16;

    /** Cache nodes on one machine, for the same reason. */
    static final int CACHE_NODES_MAX = 8;

    /** Stripes (sectors per server): 262144 is 1 GiB of RAM per sector server, plenty for development. */
    static final long STRIPES_MAX = 262_144;

    /** Initial tablets: the tablet store's own limit is far higher, but more is only slower to start locally. */
    static final int TABLETS_MAX = 4096;

    static final String HOST = "127.0.0.1";

    private static final Pattern GEOMETRY = Pattern.compile("(\\d{1,2})\\+(\\d{1,2})");

    /**
     * Validates the options and assigns every port.
     *
     * @param basePort the first port, or 0 to take each port from {@code freePort}
     * @throws IllegalArgumentException naming the bad option, for a usage error
     */
    private static final int FREE_PORT_ATTEMPTS = 1_000;

    static LocalClusterPlan of(
            int nodes, String geometry, int cacheNodes, long stripes, int tablets, int basePort, IntSupplier freePort) {
        if (!NODE_COUNTS.contains(nodes)) {
            throw new IllegalArgumentException("--nodes must be 3 or 5, not " + nodes);
        }
        Matcher shape = GEOMETRY.matcher(geometry);
        if (!shape.matches()) {
            throw new IllegalArgumentException("--geometry must be K+M, such as 4+2, not '" + geometry + "'");
        }
        int k = Integer.parseInt(shape.group(1));
        int m = Integer.parseInt(shape.group(2));
        if (k < 1 || m < 1 || k + m > SECTOR_SERVERS_MAX) {
            throw new IllegalArgumentException("--geometry " + geometry + " needs K >= 1, M >= 1 and K+M <= "
                    + SECTOR_SERVERS_MAX + " (each sector server is a process on this machine)");
        }
        if (cacheNodes < 0 || cacheNodes > CACHE_NODES_MAX) {
            throw new IllegalArgumentException("--cache-nodes must be 0.." + CACHE_NODES_MAX + ", not " + cacheNodes);
        }
        if (stripes < 1 || stripes > STRIPES_MAX) {
            throw new IllegalArgumentException("--stripes must be 1.." + STRIPES_MAX + ", not " + stripes);
        }
        if (tablets < 1 || tablets > TABLETS_MAX) {
            throw new IllegalArgumentException("--tablets must be 1.." + TABLETS_MAX + ", not " + tablets);
        }
        int portCount = 3 * nodes + k + m + cacheNodes;
        if (basePort < 0 || basePort > 65_536 - portCount) {
            throw new IllegalArgumentException("--base-port must be 0 (any free ports) or 1.." + (65_536 - portCount)
                    + " (this cluster uses " + portCount + " ports from it), not " + basePort);
        }
        int[] ports = new int[portCount];
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; i < portCount; i++) {
            ports[i] = basePort == 0 ? distinctFreePort(freePort, taken) : basePort + i;
        }
        return new LocalClusterPlan(nodes, k, m, cacheNodes, stripes, tablets, ports);
    }

    /** Returns the K+M sector servers' count. */
    int sectorServers() {
        return dataShards + parityShards;
    }

    // A free port is free only until someone binds it, and nothing here binds before every port is
    // chosen, so the supplier can hand out the same number twice; two children would then race
    // for it and one would fail to start.
    private static int distinctFreePort(IntSupplier freePort, Set<Integer> taken) {
        for (int attempt = 0; attempt < FREE_PORT_ATTEMPTS; attempt++) {
            int port = freePort.getAsInt();
            if (taken.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException(
                "no " + (taken.size() + 1) + " distinct free ports found in " + FREE_PORT_ATTEMPTS + " attempts");
    }

    /** Returns the three ports of tablet-store {@code i} as {@code SERVER,CLIENT,ADMIN}. */
    String tabletStorePorts(int i) {
        return ports[3 * i] + "," + ports[3 * i + 1] + "," + ports[3 * i + 2];
    }

    /** Returns the port of sector server {@code j}. */
    int sectorPort(int j) {
        return ports[3 * nodes + j];
    }

    /** Returns the port of cache node {@code c}. */
    int cachePort(int c) {
        return ports[3 * nodes + sectorServers() + c];
    }

    /** Returns the arguments of tablet-store node {@code i}. */
    List<String> tabletStoreArgs(int i, Path simulatedCa) {
        List<String> args = new ArrayList<>(List.of("tablet-store", "--listen", HOST, "--ports", tabletStorePorts(i)));
        args.addAll(simulated(simulatedCa));
        return args;
    }

    /** Returns the arguments of sector server {@code j}: unclaimed, bootstrap installs the key. */
    List<String> sectorServerArgs(int j, Path simulatedCa) {
        List<String> args = new ArrayList<>(
                List.of("sector-server", "--listen", HOST + ":" + sectorPort(j), "--sectors", Long.toString(stripes)));
        args.addAll(simulated(simulatedCa));
        return args;
    }

    /** Returns the arguments of {@code raft bootstrap}, given the ready lines' {@code ID@ADDRESS}es. */
    List<String> bootstrapArgs(List<String> tabletStores, List<String> sectors, Path simulatedCa) {
        List<String> args = new ArrayList<>(List.of("raft", "bootstrap"));
        tabletStores.forEach(peer -> args.addAll(List.of("--peer", peer)));
        args.addAll(List.of(
                "--geometry",
                dataShards + "+" + parityShards,
                "--tablets",
                Integer.toString(tablets),
                "--stripes",
                Long.toString(stripes)));
        sectors.forEach(sector -> args.addAll(List.of("--sector", sector)));
        args.addAll(simulated(simulatedCa));
        return args;
    }

    /** Returns the arguments of cache node {@code c}, given the tablet stores' {@code ID@HOST:S,C,A}. */
    List<String> cacheNodeArgs(int c, List<String> tabletStores, Path simulatedCa) {
        List<String> args = new ArrayList<>(List.of("cache-node", "--listen", HOST + ":" + cachePort(c)));
        tabletStores.forEach(peer -> args.addAll(List.of("--tablet-store", peer)));
        args.addAll(simulated(simulatedCa));
        return args;
    }

    private static List<String> simulated(Path simulatedCa) {
        return List.of("--platform", "simulated", "--allow-simulated", "--sim-ca", simulatedCa.toString());
    }
}
