package dev.ratchet.deploy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.tls.AttestedKeyManager;
import dev.ratchet.attestation.tls.AttestedTls;
import dev.ratchet.attestation.tls.AttestedTrustManager;
import dev.ratchet.attestation.tls.PeerExpectation;
import dev.ratchet.sector.proto.AuthorizedWriterSet;
import dev.ratchet.sector.proto.InstallAuthorityRequest;
import dev.ratchet.sector.proto.InstallAuthorityResponse;
import dev.ratchet.sector.proto.InstallAuthorizationRequest;
import dev.ratchet.sector.proto.SectorError;
import dev.ratchet.sector.proto.SectorServiceGrpc;
import dev.ratchet.tablet.proto.SignedWriterSet;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * Claims one sector server for the cluster the bootstrap just created: installs the cluster
 * authority key, checks that the server now reports exactly that key, then installs the current
 * signed writer set.
 *
 * <p>A server that some other authority claimed first (another cluster pointed at the same
 * address, an earlier abandoned bootstrap) answers AUTHORITY_ALREADY_SET; the claim then fails
 * with the server's node id and the fingerprint of the key it holds, so the operator replaces that
 * server rather than run an array that cannot write to it (SectorServer's javadoc has the threat
 * reasoning).
 */
final class SectorClaim {
    /** Each call's deadline: the servers printed their ready lines, so they answer at once. */
    static final long CALL_TIMEOUT_MILLIS = 15_000;

    private SectorClaim() {}

    /** Why a sector server could not be claimed, with the slot and server named. */
    static final class ClaimException extends Exception {
        private static final long serialVersionUID = 1L;

        ClaimException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Claims the server {@code nodeId} at {@code address} (HOST:PORT) as {@code operator}.
     *
     * @throws ClaimException if it is claimed by another key, refuses, or cannot be reached
     */
    static void claim(RaftCommand.Operator operator, int slot, String nodeId, String address, SignedWriterSet writers)
            throws ClaimException {
        String name = "slot " + slot + " sector server " + nodeId + "@" + address;
        onServer(operator, name, nodeId, address, stub -> {
            installAuthority(stub, name, writers.getAuthorityPublicKeySpki());
            installWriters(stub, name, writers);
        });
    }

    /**
     * Claims a fresh server {@code nodeId} at {@code address} for an existing cluster, before a
     * cache node rebuilds slot {@code slot} onto it: installs {@code authority} (the cluster's key)
     * and checks the server now holds exactly it. The rebuild installs the writer set. A server
     * started with the cluster's key already is claimed; one holding another key fails.
     *
     * @throws ClaimException as {@link #claim}
     */
    static void claimReplacement(
            RaftCommand.Operator operator, int slot, String nodeId, String address, ByteString authority)
            throws ClaimException {
        String name = "slot " + slot + " replacement sector server " + nodeId + "@" + address;
        onServer(operator, name, nodeId, address, stub -> installAuthority(stub, name, authority));
    }

    /** A claim's calls on one server's stub. */
    private interface ClaimCalls {
        void run(SectorServiceGrpc.SectorServiceBlockingStub stub) throws ClaimException;
    }

    /** Runs {@code calls} over an attested channel to the server, closed afterwards. */
    private static void onServer(
            RaftCommand.Operator operator, String name, String nodeId, String address, ClaimCalls calls)
            throws ClaimException {
        ManagedChannel channel;
        try {
            channel = channel(operator, nodeId, address);
        } catch (IOException | IllegalArgumentException e) {
            throw new ClaimException(name + ": cannot open an attested channel: " + e.getMessage(), e);
        }
        try {
            calls.run(SectorServiceGrpc.newBlockingStub(channel));
        } finally {
            channel.shutdownNow();
        }
    }

    private static void installAuthority(
            SectorServiceGrpc.SectorServiceBlockingStub stub, String name, ByteString authority) throws ClaimException {
        InstallAuthorityResponse installed;
        try {
            installed = deadline(stub)
                    .installAuthority(InstallAuthorityRequest.newBuilder()
                            .setAuthorityPublicKeySpki(authority)
                            .build());
        } catch (StatusRuntimeException e) {
            if (isError(e, SectorError.AUTHORITY_ALREADY_SET)) {
                throw new ClaimException(
                        name + " is CLAIMED BY ANOTHER AUTHORITY: it belongs to another cluster (or an earlier"
                                + " bootstrap) and will never accept this cluster's writers; start a fresh sector"
                                + " server for this slot",
                        e);
            }
            throw new ClaimException(name + ": InstallAuthority failed: " + e.getStatus(), e);
        }
        // The server must hold exactly our key; anything else is the same failure, however it arose.
        if (!installed.getAuthorityPublicKeySpki().equals(authority)) {
            throw new ClaimException(
                    name + " reports authority key " + fingerprint(installed.getAuthorityPublicKeySpki())
                            + ", not this cluster's " + fingerprint(authority) + "; start a fresh sector server",
                    null);
        }
    }

    private static void installWriters(
            SectorServiceGrpc.SectorServiceBlockingStub stub, String name, SignedWriterSet writers)
            throws ClaimException {
        if (version(writers) == 0) {
            // No cache node has registered yet: the server's empty set (v0) is already this one.
            return;
        }
        try {
            deadline(stub)
                    .installAuthorization(InstallAuthorizationRequest.newBuilder()
                            .setWriterSet(writers.getWriterSet())
                            .setSignature(writers.getSignature())
                            .build());
        } catch (StatusRuntimeException e) {
            // The server only holds sets our key signed: one at or above ours is newer, not a threat.
            if (!isError(e, SectorError.AUTHORIZATION_ROLLBACK)) {
                throw new ClaimException(name + ": InstallAuthorization failed: " + e.getStatus(), e);
            }
        }
    }

    private static long version(SignedWriterSet writers) throws ClaimException {
        try {
            return AuthorizedWriterSet.parseFrom(writers.getWriterSet()).getVersion();
        } catch (InvalidProtocolBufferException e) {
            throw new ClaimException("the tablet store's signed writer set does not parse", e);
        }
    }

    private static SectorServiceGrpc.SectorServiceBlockingStub deadline(
            SectorServiceGrpc.SectorServiceBlockingStub stub) {
        return stub.withDeadlineAfter(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static boolean isError(StatusRuntimeException e, SectorError error) {
        String description = e.getStatus().getDescription();
        return description != null && description.startsWith(error.name() + ": ");
    }

    private static ManagedChannel channel(RaftCommand.Operator operator, String nodeId, String address)
            throws IOException {
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("'" + address + "' is not HOST:PORT");
        }
        String host = address.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(address.substring(colon + 1));
        Clock clock = operator.clock();
        AttestedTrustManager trust = AttestedTrustManager.builder(
                        operator.platform().verifier())
                .acceptRoles(Role.SECTOR)
                .clock(clock)
                .expectation(PeerExpectation.exactly(nodeId))
                .build();
        return NettyChannelBuilder.forAddress(host, port)
                .sslContext(AttestedTls.grpcClientContext(
                        new AttestedKeyManager(operator.platform().identity()), trust))
                .build();
    }

    /** Returns the first 16 hex digits of SHA-256 of a key, enough to tell two keys apart in a message. */
    static String fingerprint(ByteString spki) {
        if (spki.isEmpty()) {
            return "(none)";
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(spki.toByteArray());
            return "sha256:" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
