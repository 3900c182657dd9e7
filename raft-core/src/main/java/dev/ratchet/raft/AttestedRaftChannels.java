package dev.ratchet.raft;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.tls.AttestedKeyManager;
import dev.ratchet.attestation.tls.AttestedTrustManager;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.OpenSsl;

/**
 * The attested mutual-TLS configuration of one process's Ratis gRPC endpoints: one {@link
 * GrpcTlsConfig} per Ratis port, each with its own trust rules, registered into Ratis {@link
 * Parameters}.
 *
 * <p><b>Ports and who may use them.</b> Ratis serves three gRPC services, and only the port a peer
 * reaches decides which RPCs it can call; Ratis 3.2.2 has no per-RPC authorization. So each port
 * gets its own listener and its own trust manager, and {@link RaftNode} adds per-RPC checks on top
 * (below, "Binding RPC-level ids"):
 *
 * <ul>
 *   <li>{@link RaftPort#SERVER} (appendEntries, requestVote, installSnapshot, readIndex): only
 *       {@link Role#TABLET_STORE} nodes whose node id is in the {@link PeerAddressBook}. Dialling
 *       out, the peer at each address must be the node the book places there.
 *   <li>{@link RaftPort#CLIENT} (submit, read, watch): {@link Role#CACHE} and {@link Role#CLIENT},
 *       each request then subject to the application's {@link RequestAuthorizer}.
 *       Tablet-store servers are not admitted: Ratis never forwards client requests between servers
 *       (a follower answers NotLeaderException, and follower reads fetch the read index over the
 *       server port), so admitting them would only widen the door.
 *   <li>{@link RaftPort#ADMIN} (setConfiguration, transferLeadership, snapshots, group management):
 *       {@link Role#CLIENT} (operator tools) and {@link Role#TABLET_STORE} (membership automation).
 *       Any attested tablet-store node may call it, member or not; its code is on the allow-list,
 *       so we trust what it asks for, but a per-node admin allow-list is a later refinement.
 * </ul>
 *
 * <p><b>Why separate ports.</b> If the client or admin port is not a distinct positive port, Ratis
 * adds those services to the server-port listener and secures them with the <em>server</em> TLS
 * conf (ratis-guide §4.1), so whoever may submit a request could also call appendEntries, or whoever
 * may vote could also reconfigure the group. Note that Ratis treats client and admin port {@code
 * 0} as "share the server port", not as "ephemeral": {@link #bindPorts} therefore insists on three
 * distinct positive ports.
 *
 * <p><b>Why bind addresses to ids.</b> See {@link PeerAddressBook}: without it, a host could put a
 * fresh attested node at a member's address and Ratis would talk to it as that member.
 *
 * <p><b>Why peer id = node id.</b> {@link #peerId(String)} makes the {@code RaftPeerId} the full
 * attested node id (hex SHA-256 of the SPKI), so the Raft configuration itself says which key each
 * member holds, and a restarted process (new key) is a new member that must be added by a
 * configuration change. Ratis 3.2.2 puts no limit on id length (any non-empty UTF-8 string); the
 * 64 characters only lengthen thread, metric and log names. A shortened prefix was rejected: it
 * would make the id-to-key binding only as strong as the prefix. ({@code RaftPeerId.valueOf}
 * interns every id for the life of the JVM; one small entry per incarnation ever seen is fine.)
 *
 * <p><b>Providers.</b> Ratis builds every server-side TLS context with the OpenSSL (BoringSSL)
 * provider, from a tcnative library shaded into {@code ratis-thirdparty-misc}; without it a server
 * cannot start. {@link #requireOpenSsl()} fails early, with the cause, where it cannot load (e.g. a
 * TEE runtime without the native library). Client-side contexts use OpenSSL when available, else
 * the JDK. Netty extracts the library to {@code java.io.tmpdir} (or {@code
 * -Dorg.apache.ratis.thirdparty.io.netty.native.workdir}) at first use; inside a TEE that directory
 * must be in protected memory, or the library pre-extracted into trusted files. Both ends
 * negotiate TLS 1.3 and show the protocol to the trust manager, whose TLS-1.3-only rule therefore
 * applies ({@code RatisTlsAssumptionsTest} pins this down). A peer that a Ratis server
 * refuses sees only BoringSSL's generic {@code internal_error} alert, not the reason; the reason
 * is logged and counted by the refusing trust manager.
 *
 * <p><b>Evidence is checked per connection.</b> gRPC channels are long-lived, so a peer is
 * attested once per TLS handshake, not per RPC. Forcing reconnects when membership changes is left
 * for a later issue. Read options (ReadIndex, no leader lease) are set by {@link RaftNode}.
 *
 * <p><b>Binding RPC-level ids.</b> The handshake proves who is at the other end of a connection,
 * but Ratis acts on the ids written inside each request. So {@link RaftNode} installs two
 * interceptors through the Ratis 3.2 services customizer, both reading the peer's attested
 * identity from the call's TLS session: on the server port, {@link RaftRpcIdBinding} refuses any
 * Raft RPC whose sender id is not the TLS peer's node id or whose addressee is not this server
 * ({@code PERMISSION_DENIED}, {@code REQUESTOR_ID_MISMATCH} / {@code REPLY_ID_MISMATCH}); on the
 * client port, {@link ClientRequestGate} hands every command and query, with the caller's node id
 * and role, to the application's {@link RequestAuthorizer}, and the caller of a refused one gets a
 * {@link RequestRefusedException} with the rule's code. This class only provides the TLS layer
 * those checks stand on.
 *
 * <p>Instances are immutable; the trust managers they hold are thread-safe.
 */
public final class AttestedRaftChannels {
    /** A Ratis gRPC port, with its service and the channels that dial it. */
    public enum RaftPort {
        /** Server-to-server Raft RPCs. */
        SERVER,
        /** Client requests: writes, reads, watches. */
        CLIENT,
        /** Administrative requests: membership, leadership, snapshots, groups. */
        ADMIN
    }

    private static final Pattern NODE_ID = Pattern.compile("[0-9a-f]{64}");

    private final NodeIdentity identity;
    private final Map<RaftPort, AttestedTrustManager> inbound;
    private final Map<RaftPort, AttestedTrustManager> outbound;
    private final Map<RaftPort, GrpcTlsConfig> tlsConfs;

    private AttestedRaftChannels(
            NodeIdentity identity,
            Map<RaftPort, AttestedTrustManager> inbound,
            Map<RaftPort, AttestedTrustManager> outbound) {
        this.identity = identity;
        this.inbound = Map.copyOf(inbound);
        this.outbound = Map.copyOf(outbound);
        AttestedKeyManager keyManager = new AttestedKeyManager(identity);
        Map<RaftPort, GrpcTlsConfig> confs = new EnumMap<>(RaftPort.class);
        for (RaftPort port : outbound.keySet()) {
            AttestedTrustManager in = inbound.getOrDefault(port, outbound.get(port));
            // mTLS is always on: a server demands a certificate (ClientAuth.REQUIRE), and a
            // dialling channel presents ours, so both ends are attested on every connection.
            confs.put(port, new GrpcTlsConfig(keyManager, new DirectionalTrustManager(in, outbound.get(port)), true));
        }
        this.tlsConfs = Map.copyOf(confs);
    }

    /**
     * Returns the channels of a tablet-store server: server, client and admin ports as described
     * above, with {@code members} as its view of who is where.
     *
     * @throws IllegalArgumentException if {@code identity} is not a {@link Role#TABLET_STORE}
     * @throws IllegalStateException if the OpenSSL provider Ratis servers need cannot load
     */
    public static AttestedRaftChannels forTabletStore(
            NodeIdentity identity, AttestationVerifier verifier, PeerAddressBook members, Clock clock) {
        Objects.requireNonNull(members, "members");
        if (identity.role() != Role.TABLET_STORE) {
            throw new IllegalArgumentException(
                    "a Raft server must run as " + Role.TABLET_STORE + ", not " + identity.role());
        }
        requireOpenSsl();
        Map<RaftPort, AttestedTrustManager> in = new EnumMap<>(RaftPort.class);
        in.put(
                RaftPort.SERVER,
                AttestedTrustManager.builder(verifier)
                        .acceptRoles(Role.TABLET_STORE)
                        .clock(clock)
                        .nodeIdFilter(members::contains)
                        .build());
        in.put(
                RaftPort.CLIENT,
                AttestedTrustManager.builder(verifier)
                        .acceptRoles(Role.CLIENT, Role.CACHE)
                        .clock(clock)
                        .build());
        in.put(
                RaftPort.ADMIN,
                AttestedTrustManager.builder(verifier)
                        .acceptRoles(Role.CLIENT, Role.TABLET_STORE)
                        .clock(clock)
                        .build());
        return new AttestedRaftChannels(identity, in, dialling(verifier, members, clock));
    }

    /**
     * Returns the channels of a process that only dials a Raft group (a cache, a client, an
     * operator tool): client and admin confs that trust tablet-store servers at the node ids
     * {@code members} places at each address. The identity may have any role; whether that role
     * may call is the server's decision.
     */
    public static AttestedRaftChannels forClient(
            NodeIdentity identity, AttestationVerifier verifier, PeerAddressBook members, Clock clock) {
        Objects.requireNonNull(members, "members");
        Map<RaftPort, AttestedTrustManager> out = dialling(verifier, members, clock);
        out.remove(RaftPort.SERVER);
        return new AttestedRaftChannels(identity, Map.of(), out);
    }

    // Whatever port we dial, the far end must be a tablet-store node, and exactly the one our
    // view places at that address. One trust manager per port keeps refusal counts per port.
    private static Map<RaftPort, AttestedTrustManager> dialling(
            AttestationVerifier verifier, PeerAddressBook members, Clock clock) {
        Map<RaftPort, AttestedTrustManager> out = new EnumMap<>(RaftPort.class);
        for (RaftPort port : RaftPort.values()) {
            out.put(
                    port,
                    AttestedTrustManager.builder(verifier)
                            .acceptRoles(Role.TABLET_STORE)
                            .clock(clock)
                            .expectation(members)
                            .build());
        }
        return out;
    }

    /** Returns the identity every channel presents. */
    public NodeIdentity identity() {
        return identity;
    }

    /** Returns this node's Raft peer id. */
    public RaftPeerId peerId() {
        return peerId(identity.nodeId());
    }

    /** Returns the TLS conf of {@code port}, if this process has one. */
    public Optional<GrpcTlsConfig> tlsConf(RaftPort port) {
        return Optional.ofNullable(tlsConfs.get(port));
    }

    /**
     * Returns the trust manager that judges peers dialling {@code port} of this process.
     *
     * @throws IllegalArgumentException if this process does not serve that port
     */
    public AttestedTrustManager inbound(RaftPort port) {
        AttestedTrustManager trustManager = inbound.get(port);
        if (trustManager == null) {
            throw new IllegalArgumentException("this process does not serve the " + port + " port");
        }
        return trustManager;
    }

    /**
     * Returns the trust manager that judges the peers this process dials on {@code port}.
     *
     * @throws IllegalArgumentException if this process never dials that port
     */
    public AttestedTrustManager outbound(RaftPort port) {
        AttestedTrustManager trustManager = outbound.get(port);
        if (trustManager == null) {
            throw new IllegalArgumentException("this process does not dial the " + port + " port");
        }
        return trustManager;
    }

    /**
     * Registers each port's TLS conf in {@code parameters}, and the most restrictive one as the
     * default, so that no channel Ratis builds can fall back to plaintext.
     */
    public Parameters register(Parameters parameters) {
        tlsConf(RaftPort.SERVER).ifPresent(conf -> GrpcConfigKeys.Server.setTlsConf(parameters, conf));
        tlsConf(RaftPort.CLIENT).ifPresent(conf -> GrpcConfigKeys.Client.setTlsConf(parameters, conf));
        tlsConf(RaftPort.ADMIN).ifPresent(conf -> GrpcConfigKeys.Admin.setTlsConf(parameters, conf));
        // GrpcFactory uses the default for any unset port conf; without one, an unset port would
        // be plaintext. A client process has no server conf, so its default is its client conf.
        GrpcConfigKeys.TLS.setConf(parameters, tlsConf(RaftPort.SERVER).orElseGet(() -> tlsConfs.get(RaftPort.CLIENT)));
        return parameters;
    }

    /** Returns new {@link Parameters} holding this process's TLS confs. */
    public Parameters newParameters() {
        return register(new Parameters());
    }

    /**
     * Returns the Raft peer id of the node with attested id {@code nodeId}: the id itself.
     *
     * @throws IllegalArgumentException if {@code nodeId} is not 64 lowercase hex digits
     */
    public static RaftPeerId peerId(String nodeId) {
        if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
            throw new IllegalArgumentException("not an attested node id: " + nodeId);
        }
        return RaftPeerId.valueOf(nodeId);
    }

    /** Returns the Raft peer for {@code nodeId} serving its three ports on {@code host}. */
    public static RaftPeer raftPeer(String nodeId, String host, int serverPort, int clientPort, int adminPort) {
        checkPorts(serverPort, clientPort, adminPort);
        return RaftPeer.newBuilder()
                .setId(peerId(nodeId))
                .setAddress(hostPort(host, serverPort))
                .setClientAddress(hostPort(host, clientPort))
                .setAdminAddress(hostPort(host, adminPort))
                .build();
    }

    /**
     * Makes a Ratis server listen on {@code host} with three separate ports.
     *
     * @param host the address to bind, such as {@code 127.0.0.1}; never empty, because Ratis binds
     *     every interface then, so exposure on all interfaces must be spelled out ({@code 0.0.0.0})
     * @throws IllegalArgumentException if a port is not in 1..65535 or two ports coincide: Ratis
     *     would then serve several services on one listener under one trust manager
     */
    public static void bindPorts(
            RaftProperties properties, String host, int serverPort, int clientPort, int adminPort) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("a Ratis bind host must be explicit, e.g. 127.0.0.1");
        }
        checkPorts(serverPort, clientPort, adminPort);
        GrpcConfigKeys.Server.setHost(properties, host);
        GrpcConfigKeys.Server.setPort(properties, serverPort);
        GrpcConfigKeys.Client.setHost(properties, host);
        GrpcConfigKeys.Client.setPort(properties, clientPort);
        GrpcConfigKeys.Admin.setHost(properties, host);
        GrpcConfigKeys.Admin.setPort(properties, adminPort);
    }

    /**
     * Checks that the OpenSSL provider Ratis servers always use can load here.
     *
     * @throws IllegalStateException with the loader's cause if it cannot
     */
    public static void requireOpenSsl() {
        if (!OpenSsl.isAvailable()) {
            throw new IllegalStateException(
                    "Ratis servers need the shaded netty-tcnative (BoringSSL) library, which did not load",
                    OpenSsl.unavailabilityCause());
        }
    }

    private static void checkPorts(int serverPort, int clientPort, int adminPort) {
        for (int port : new int[] {serverPort, clientPort, adminPort}) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("Ratis ports must be fixed, in 1..65535: " + port);
            }
        }
        if (serverPort == clientPort || serverPort == adminPort || clientPort == adminPort) {
            throw new IllegalArgumentException(
                    "server, client and admin ports must differ: " + serverPort + ", " + clientPort + ", " + adminPort);
        }
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
