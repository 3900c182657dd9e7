package dev.ratchet.chaos.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Every process on 127.0.0.1 in the runner's namespace: no partitions, no loss. */
final class LoopbackNetwork implements Network {
    private static final String ADDRESS = "127.0.0.1";
    private final String whyNotNamespaces;
    private final Set<Integer> portsHandedOut = new HashSet<>();
    private int hosts;

    LoopbackNetwork(String whyNotNamespaces) {
        this.whyNotNamespaces = whyNotNamespaces;
    }

    @Override
    public synchronized Host newHost(String role) {
        return new Host("loopback-" + hosts++, ADDRESS, List.of(), this::freePort);
    }

    /** A port free on loopback now and never handed out before in this run. */
    private synchronized int freePort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(ADDRESS))) {
                if (portsHandedOut.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            }
        }
        throw new IOException("no free port found");
    }

    @Override
    public String whyNoPartitions() {
        return "the run is on loopback (" + whyNotNamespaces + ")";
    }

    @Override
    public void drop(Host victim, Collection<Host> sources) {
        throw new UnsupportedOperationException(whyNoPartitions());
    }

    @Override
    public void lose(Host victim, double probability) {
        throw new UnsupportedOperationException(whyNoPartitions());
    }

    @Override
    public void healAll() {
        // Nothing was ever dropped.
    }

    @Override
    public String describe() {
        return "network: loopback 127.0.0.1, no partitions (" + whyNotNamespaces + ")";
    }

    @Override
    public void close() {
        // Nothing was created.
    }
}
