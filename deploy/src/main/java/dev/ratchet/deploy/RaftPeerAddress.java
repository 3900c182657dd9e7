package dev.ratchet.deploy;

import dev.ratchet.raft.AttestedRaftChannels;
import org.apache.ratis.protocol.RaftPeer;

/**
 * The command-line form of a tablet-store node: {@code ID@HOST:SERVER,CLIENT,ADMIN}, the node id
 * its ready line printed and its three ports.
 */
final class RaftPeerAddress {
    private RaftPeerAddress() {}

    /**
     * Parses {@code text} into a Raft peer.
     *
     * @throws IllegalArgumentException naming what is wrong, for a usage error
     */
    static RaftPeer parse(String text) {
        int at = text.indexOf('@');
        int colon = text.lastIndexOf(':');
        if (at <= 0 || colon <= at + 1) {
            throw new IllegalArgumentException("'" + text + "' is not ID@HOST:SERVER,CLIENT,ADMIN");
        }
        String nodeId = text.substring(0, at);
        String host = text.substring(at + 1, colon).replace("[", "").replace("]", "");
        int[] ports = ports(text.substring(colon + 1), text);
        return AttestedRaftChannels.raftPeer(nodeId, host, ports[0], ports[1], ports[2]);
    }

    /**
     * Parses {@code SERVER,CLIENT,ADMIN} into three ports.
     *
     * @throws IllegalArgumentException if it is not three distinct ports in 1..65535
     */
    static int[] ports(String text, String context) {
        String[] parts = text.split(",", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("'" + context + "' needs three ports SERVER,CLIENT,ADMIN");
        }
        int[] ports = new int[3];
        for (int i = 0; i < 3; i++) {
            try {
                ports[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                ports[i] = -1;
            }
            if (ports[i] < 1 || ports[i] > 65_535) {
                throw new IllegalArgumentException("'" + context + "': port '" + parts[i] + "' is not 1..65535");
            }
        }
        if (ports[0] == ports[1] || ports[1] == ports[2] || ports[0] == ports[2]) {
            throw new IllegalArgumentException("'" + context + "': the three ports must differ");
        }
        return ports;
    }

    /** Returns {@code peer} in the form {@link #parse} reads. */
    static String format(RaftPeer peer) {
        String server = peer.getAddress();
        String host = server.substring(0, server.lastIndexOf(':'));
        return peer.getId() + "@" + host + ":" + port(server) + "," + port(peer.getClientAddress()) + ","
                + port(peer.getAdminAddress());
    }

    private static String port(String address) {
        return address.substring(address.lastIndexOf(':') + 1);
    }
}
