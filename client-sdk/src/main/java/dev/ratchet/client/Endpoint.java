package dev.ratchet.client;

/** A cache node's address as the client was given it, {@code host:port} or {@code [v6]:port}. */
record Endpoint(String host, int port) {
    /**
     * Parses {@code host:port}.
     *
     * @throws IllegalArgumentException naming the bad endpoint if it is not host:port with a port in 1..65535
     */
    static Endpoint parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("endpoint must be host:port, not '" + hostPort + "'");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("an IPv6 endpoint needs brackets, [addr]:port, not '" + hostPort + "'");
        }
        if (host.isBlank() || !host.strip().equals(host)) {
            throw new IllegalArgumentException("endpoint has no usable host: '" + hostPort + "'");
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint port is not a number: '" + hostPort + "'", e);
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("endpoint port must be 1..65535: '" + hostPort + "'");
        }
        return new Endpoint(host, port);
    }
}
