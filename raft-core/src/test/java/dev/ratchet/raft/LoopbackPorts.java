package dev.ratchet.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free TCP ports on loopback for test servers; a shared test fixture (raft-core's test-jar), used
 * by every module that starts Raft nodes in tests.
 *
 * <p>Ratis needs fixed ports: the server port must be known before the server starts, because it
 * is written into every member's {@code RaftPeer}, and client and admin port 0 would mean "share
 * the server port". All sockets stay open until every port is chosen, so the ports are distinct;
 * another process could still grab one before Ratis binds it, an accepted race in tests.
 */
public final class LoopbackPorts {
    /** The loopback address test servers bind. */
    public static final String HOST = "127.0.0.1";

    private LoopbackPorts() {}

    /** Returns {@code count} distinct ports that were free on {@link #HOST} a moment ago. */
    public static int[] free(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST));
                socket.setReuseAddress(true);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a listening socket we own cannot lose data
                }
            }
        }
    }
}
