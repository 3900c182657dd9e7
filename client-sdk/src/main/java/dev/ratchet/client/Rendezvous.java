package dev.ratchet.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Rendezvous (highest random weight) hashing of a routing token onto endpoints: every endpoint gets
 * a pseudo-random weight for the token, and the endpoints in descending weight order are the
 * preferred node followed by its failovers.
 *
 * <p>Adding or removing an endpoint moves only the tokens whose first choice it is, and every
 * client with the same endpoint list (in any order) computes the same order, so a tablet's writes
 * from many clients meet at one cache node, where they batch. Pure and deterministic.
 *
 * <p>A token is a tablet id when the client knows the topology, otherwise the key's ring position;
 * the two are hashed under different domains so they never collide.
 */
final class Rendezvous {
    /** What a routing token stands for. */
    enum TokenKind {
        TABLET((byte) 't'),
        RING_POSITION((byte) 'p');

        private final byte tag;

        TokenKind(byte tag) {
            this.tag = tag;
        }
    }

    private static final byte[] DOMAIN = "ratchet/client-route/v1".getBytes(StandardCharsets.US_ASCII);

    private Rendezvous() {}

    /**
     * Returns the indices of {@code endpoints} in preference order for the token: highest weight
     * first, ties (practically impossible) broken by the endpoint string.
     */
    static List<Integer> order(TokenKind kind, long token, List<String> endpoints) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoints to route to");
        }
        long[] weights = new long[endpoints.size()];
        List<Integer> order = new ArrayList<>(endpoints.size());
        for (int i = 0; i < endpoints.size(); i++) {
            weights[i] = weight(kind, token, endpoints.get(i));
            order.add(i);
        }
        order.sort(Comparator.<Integer>comparingLong(i -> weights[i]).reversed().thenComparing(i -> endpoints.get(i)));
        return List.copyOf(order);
    }

    /** Returns the weight of {@code endpoint} for the token; the sign bit is flipped for signed comparison. */
    static long weight(TokenKind kind, long token, String endpoint) {
        MessageDigest sha256 = Ring.sha256();
        sha256.update(DOMAIN);
        sha256.update((byte) 0);
        sha256.update(kind.tag);
        sha256.update(ByteBuffer.allocate(Long.BYTES).putLong(token).array());
        sha256.update(endpoint.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(sha256.digest()).getLong() ^ Long.MIN_VALUE;
    }
}
