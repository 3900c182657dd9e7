package dev.ratchet.raft;

import dev.ratchet.attestation.tls.PeerExpectation;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.ratis.protocol.RaftPeer;

/**
 * A process's own view of which attested node lives at which Ratis address: the {@link
 * PeerExpectation} of every Ratis channel it dials, and the membership list its server port
 * admits.
 *
 * <p>Threat: the host controls addresses. It can point a member's address at a different, equally
 * attested node (say a fresh incarnation reusing a dead member's address), and Ratis would treat
 * that node as the old member: servers route by group id and, in Ratis 3.2.2, do not check that a
 * request's reply id names the receiver (ratis-guide §4.2). Attestation says the peer runs the
 * right code, not that it is the member meant; only comparing its node id with the one this
 * address should hold does. Because every Ratchet {@code RaftPeerId} is the attested node id
 * ({@link AttestedRaftChannels#peerId(String)}), a {@link RaftPeer} already carries the expected
 * id of each of its addresses (server, client, admin).
 *
 * <p>Fail closed: a dialled address that no known peer holds is expected to hold a node id no real
 * node has, so the handshake is refused as {@code WRONG_NODE_ID}. Ratis only dials peers from its
 * configuration, and a RaftClient can learn new peers from a server's NotLeaderException; both
 * must be fed into {@link #replace(Collection)} first (the current configuration plus any joiner
 * the operator approved) before they can be reached. On the accepting side the TLS stack does not
 * reveal an address, so no expectation applies; the server port instead admits only node ids in
 * this book ({@link #contains(String)}).
 *
 * <p>Thread-safe: updates swap one immutable snapshot, so a handshake never sees half an update.
 */
public final class PeerAddressBook implements PeerExpectation {
    /** What an unknown address is expected to hold: no SHA-256 hex string is equal to it. */
    static final String NO_MEMBER_AT_ADDRESS = "(no known member at this address)";

    private static final Pattern NODE_ID = Pattern.compile("[0-9a-f]{64}");

    private record Snapshot(Map<String, String> nodeIdByAddress, Set<String> nodeIds) {}

    private volatile Snapshot snapshot = new Snapshot(Map.of(), Set.of());

    /** Creates an empty book: every dialled address is refused until {@link #replace} is called. */
    public PeerAddressBook() {}

    /** Returns a book holding {@code peers}. */
    public static PeerAddressBook of(Collection<RaftPeer> peers) {
        PeerAddressBook book = new PeerAddressBook();
        book.replace(peers);
        return book;
    }

    /**
     * Replaces the whole view with {@code peers}: the current Raft configuration plus any joiners
     * that may be dialled or may dial in.
     *
     * @throws IllegalArgumentException if a peer id is not an attested node id (64 lowercase hex),
     *     an address is malformed, or two different nodes claim one address
     */
    public void replace(Collection<RaftPeer> peers) {
        Map<String, String> byAddress = new HashMap<>();
        Set<String> ids = new HashSet<>();
        for (RaftPeer peer : peers) {
            String nodeId = peer.getId().toString();
            if (!NODE_ID.matcher(nodeId).matches()) {
                throw new IllegalArgumentException(
                        "peer id " + nodeId + " is not an attested node id (64 lowercase hex digits)");
            }
            ids.add(nodeId);
            for (String address : List.of(
                    nullToEmpty(peer.getAddress()),
                    nullToEmpty(peer.getClientAddress()),
                    nullToEmpty(peer.getAdminAddress()))) {
                if (address.isEmpty()) {
                    continue;
                }
                String key = addressKey(address);
                String previous = byAddress.putIfAbsent(key, nodeId);
                if (previous != null && !previous.equals(nodeId)) {
                    throw new IllegalArgumentException(
                            "address " + address + " is claimed by both " + previous + " and " + nodeId);
                }
            }
        }
        snapshot = new Snapshot(Map.copyOf(byAddress), Set.copyOf(ids));
    }

    /** Returns whether {@code nodeId} is a member or an expected joiner. */
    public boolean contains(String nodeId) {
        return snapshot.nodeIds().contains(nodeId);
    }

    /** Returns the node id this book places at {@code host:port}, if any. */
    public Optional<String> nodeIdAt(String host, int port) {
        return Optional.ofNullable(snapshot.nodeIdByAddress().get(addressKey(host, port)));
    }

    /**
     * Returns the node id expected at the dialled {@code host:port}; an address no known peer holds
     * is expected to hold an impossible id, so it is refused. With no host (the accepting side) no
     * expectation applies.
     */
    @Override
    public Optional<String> expectedNodeId(String host, int port) {
        if (host == null) {
            return Optional.empty();
        }
        return Optional.of(nodeIdAt(host, port).orElse(NO_MEMBER_AT_ADDRESS));
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    // A RaftPeer address is "host:port" (IPv6 as "[::1]:port"); the dialling engine reports the
    // host as written, so the key is the written host, without brackets, case-folded.
    static String addressKey(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("not a host:port address: " + address);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a host:port address: " + address, e);
        }
        return addressKey(address.substring(0, colon), port);
    }

    private static String addressKey(String host, int port) {
        Objects.requireNonNull(host, "host");
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return bare.toLowerCase(Locale.ROOT) + ":" + port;
    }
}
