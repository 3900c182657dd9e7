package dev.ratchet.chaos.cluster;

import java.util.List;

/**
 * Where one process of a chaos run lives on the run's {@link Network}: its address, the prefix
 * its command runs under (such as {@code ip netns exec NS}), and the ports handed out on it.
 */
public final class Host {
    private final String name;
    private final String address;
    private final List<String> commandPrefix;
    private final PortSource ports;

    /** Hands out a port on a host that no other process of the run has been given. */
    interface PortSource {
        int next() throws java.io.IOException;
    }

    Host(String name, String address, List<String> commandPrefix, PortSource ports) {
        this.name = name;
        this.address = address;
        this.commandPrefix = List.copyOf(commandPrefix);
        this.ports = ports;
    }

    /** The host's name on the network, such as a namespace name. */
    public String name() {
        return name;
    }

    /** The address the process binds and advertises. */
    public String address() {
        return address;
    }

    /** What the process's command line starts with to run on this host. */
    List<String> commandPrefix() {
        return commandPrefix;
    }

    /** A port free on this host. */
    int freePort() throws java.io.IOException {
        return ports.next();
    }

    @Override
    public String toString() {
        return name + "/" + address;
    }
}
