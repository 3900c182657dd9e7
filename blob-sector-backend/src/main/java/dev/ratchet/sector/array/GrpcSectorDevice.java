package dev.ratchet.sector.array;

import com.google.protobuf.ByteString;
import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.SignedRead;
import dev.ratchet.attestation.tls.AttestedKeyManager;
import dev.ratchet.attestation.tls.AttestedPeer;
import dev.ratchet.attestation.tls.AttestedTls;
import dev.ratchet.attestation.tls.AttestedTrustManager;
import dev.ratchet.attestation.tls.PeerExpectation;
import dev.ratchet.sector.proto.GetStatusRequest;
import dev.ratchet.sector.proto.GetStatusResponse;
import dev.ratchet.sector.proto.ReadSectorsRequest;
import dev.ratchet.sector.proto.ReadSectorsResponse;
import dev.ratchet.sector.proto.SectorServiceGrpc;
import dev.ratchet.sector.proto.SectorWrite;
import dev.ratchet.sector.proto.TrimSectorsRequest;
import dev.ratchet.sector.proto.WriteSectorsRequest;
import dev.ratchet.sector.server.SectorServer;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The {@link SectorDevice} of one remote {@link SectorServer}, reached over attested gRPC.
 *
 * <p>The channel accepts only a peer attesting role SECTOR with exactly the expected node id
 * ({@link PeerExpectation#exactly}), so a host that points the address at another server, even an
 * attested one, is refused at the handshake. Each read sends 32 fresh random bytes and accepts the
 * reply only if it is signed ({@link SignedRead}) by the key of the TLS session that carried it,
 * whose node id must again be the expected one, over that nonce, the exact request bytes sent and
 * the returned sectors; then the sector count and sizes are checked. So a replayed, relayed or
 * re-signed reply fails as {@link SectorDeviceException.Kind#BAD_PROOF}.
 *
 * <p>Failures map to {@link SectorDeviceException.Kind}: a status whose description starts with a
 * SectorError name is REFUSED with that name; any other status (deadline, connection, a server
 * bug) is UNAVAILABLE, an erasure the array decodes around. Every call has the deadline given at
 * construction. Thread-safe; calls are pipelined on one HTTP/2 connection.
 */
public final class GrpcSectorDevice implements SectorDevice {
    /** How long {@link #close()} waits for the channel to stop. */
    static final long CLOSE_WAIT_MILLIS = 5_000;

    /** Read replies: {@link SectorServer#SECTORS_PER_REQUEST_MAX} sectors plus the signature, with room to spare. */
    static final int INBOUND_MESSAGE_BYTES_MAX = SectorServer.INBOUND_MESSAGE_BYTES_MAX;

    // Reads are sent as the exact bytes that are then hashed into the signed-read check.
    private static final MethodDescriptor<byte[], ReadSectorsResponse> READ_BYTES =
            SectorServiceGrpc.getReadSectorsMethod().toBuilder(
                            new GrpcBytesMarshaller(),
                            SectorServiceGrpc.getReadSectorsMethod().getResponseMarshaller())
                    .build();

    private final String nodeId;
    private final long timeoutMillis;
    private final ManagedChannel channel;
    private final Channel calls;

    /**
     * Opens a channel to the sector server {@code nodeId} at {@code host:port}.
     *
     * @param self this node's identity, presented as the TLS client certificate (a cache node to
     *     read and write; other roles may only ask for status)
     * @param verifier checks the server's evidence; its policy must allow the server's measurement
     *     for role SECTOR
     * @param clock for the server certificate's validity and evidence age
     * @param timeoutMillis the deadline of each call
     * @throws SSLException if the TLS context cannot be built
     */
    public GrpcSectorDevice(
            String host,
            int port,
            String nodeId,
            NodeIdentity self,
            AttestationVerifier verifier,
            Clock clock,
            long timeoutMillis)
            throws SSLException {
        this(host, port, nodeId, self, verifier, clock, timeoutMillis, List.of());
    }

    // Interceptors let tests stand between the device and the wire (replay, re-sign).
    GrpcSectorDevice(
            String host,
            int port,
            String nodeId,
            NodeIdentity self,
            AttestationVerifier verifier,
            Clock clock,
            long timeoutMillis,
            List<ClientInterceptor> interceptors)
            throws SSLException {
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeout must be positive: " + timeoutMillis + " ms");
        }
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.timeoutMillis = timeoutMillis;
        AttestedTrustManager trustManager = AttestedTrustManager.builder(verifier)
                .acceptRoles(Role.SECTOR)
                .clock(clock)
                .expectation(PeerExpectation.exactly(nodeId))
                .build();
        this.channel = NettyChannelBuilder.forAddress(host, port)
                .sslContext(AttestedTls.grpcClientContext(new AttestedKeyManager(self), trustManager))
                .withOption(ChannelOption.TCP_NODELAY, true)
                .maxInboundMessageSize(INBOUND_MESSAGE_BYTES_MAX)
                .build();
        this.calls = ClientInterceptors.intercept(channel, interceptors);
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public CompletableFuture<List<byte[]>> read(long[] sectorIndices) {
        requireSectors(sectorIndices.length);
        byte[] nonce = SignedRead.newNonce();
        ReadSectorsRequest.Builder request = ReadSectorsRequest.newBuilder().setNonce(ByteString.copyFrom(nonce));
        for (long index : sectorIndices) {
            request.addSectorIndices(index);
        }
        byte[] requestBytes = request.build().toByteArray();
        return call(
                READ_BYTES,
                requestBytes,
                (reply, attributes) -> checkRead(nonce, requestBytes, sectorIndices.length, reply, attributes));
    }

    @Override
    public CompletableFuture<Void> write(long[] sectorIndices, List<byte[]> sectors) {
        requireSectors(sectorIndices.length);
        if (sectors.size() != sectorIndices.length) {
            throw new IllegalArgumentException(sectorIndices.length + " indices but " + sectors.size() + " sectors");
        }
        WriteSectorsRequest.Builder request = WriteSectorsRequest.newBuilder();
        for (int i = 0; i < sectorIndices.length; i++) {
            byte[] sector = sectors.get(i);
            if (sector.length != SectorServer.SECTOR_BYTES) {
                throw new IllegalArgumentException(
                        "sector " + i + " is " + sector.length + " bytes, not " + SectorServer.SECTOR_BYTES);
            }
            request.addWrites(
                    SectorWrite.newBuilder().setSectorIndex(sectorIndices[i]).setData(ByteString.copyFrom(sector)));
        }
        return call(SectorServiceGrpc.getWriteSectorsMethod(), request.build(), (reply, attributes) -> null);
    }

    @Override
    public CompletableFuture<Void> trim(long[] sectorIndices) {
        requireSectors(sectorIndices.length);
        TrimSectorsRequest.Builder request = TrimSectorsRequest.newBuilder();
        for (long index : sectorIndices) {
            request.addSectorIndices(index);
        }
        return call(SectorServiceGrpc.getTrimSectorsMethod(), request.build(), (reply, attributes) -> null);
    }

    @Override
    public CompletableFuture<DeviceStatus> status() {
        return call(SectorServiceGrpc.getGetStatusMethod(), GetStatusRequest.getDefaultInstance(), this::checkStatus);
    }

    /** Shuts the channel down; calls still pending fail as UNAVAILABLE. */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<byte[]> checkRead(
            byte[] nonce, byte[] requestBytes, int count, ReadSectorsResponse reply, Attributes attributes) {
        PublicKey serverKey = serverKey(attributes);
        ByteString concatenated = ByteString.copyFrom(reply.getSectorsList());
        try {
            SignedRead.verify(
                    serverKey,
                    nonce,
                    requestBytes,
                    concatenated.toByteArray(),
                    reply.getSignature().toByteArray());
        } catch (AttestationException e) {
            throw failure(SectorDeviceException.Kind.BAD_PROOF, "read reply: " + e.getMessage(), e);
        }
        if (reply.getSectorsCount() != count) {
            throw failure(
                    SectorDeviceException.Kind.MALFORMED_REPLY,
                    "asked for " + count + " sectors, got " + reply.getSectorsCount(),
                    null);
        }
        List<byte[]> sectors = new ArrayList<>(count);
        for (ByteString sector : reply.getSectorsList()) {
            if (sector.size() != SectorServer.SECTOR_BYTES) {
                throw failure(
                        SectorDeviceException.Kind.MALFORMED_REPLY,
                        "a sector is " + sector.size() + " bytes, not " + SectorServer.SECTOR_BYTES,
                        null);
            }
            sectors.add(sector.toByteArray());
        }
        return sectors;
    }

    private DeviceStatus checkStatus(GetStatusResponse reply, Attributes attributes) {
        if (!nodeId.equals(reply.getNodeId())) {
            throw failure(
                    SectorDeviceException.Kind.MALFORMED_REPLY,
                    "status names node " + reply.getNodeId() + " instead of the one attested",
                    null);
        }
        return new DeviceStatus(
                reply.getCapacitySectors(),
                reply.getUsedSectors(),
                reply.getAuthorizationVersion(),
                reply.getSectorsPerRequestMax());
    }

    // The key is taken from the session that carried this reply, never from the reply itself.
    private PublicKey serverKey(Attributes attributes) {
        SSLSession session = attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            throw failure(SectorDeviceException.Kind.BAD_PROOF, "reply did not arrive over attested TLS", null);
        }
        AttestedPeer peer;
        try {
            peer = AttestedPeer.fromSession(session);
        } catch (SSLPeerUnverifiedException e) {
            throw failure(SectorDeviceException.Kind.BAD_PROOF, e.getMessage(), e);
        }
        if (!nodeId.equals(peer.nodeId())) {
            throw failure(
                    SectorDeviceException.Kind.BAD_PROOF,
                    "reply came from node " + peer.nodeId() + ", not the one asked",
                    null);
        }
        return peer.publicKey();
    }

    private <Q, R, T> CompletableFuture<T> call(MethodDescriptor<Q, R> method, Q request, Check<R, T> check) {
        ClientCall<Q, R> call =
                calls.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS));
        CompletableFuture<T> result = new CompletableFuture<>();
        ClientCalls.asyncUnaryCall(call, request, new StreamObserver<R>() {
            private R reply;

            @Override
            public void onNext(R value) {
                reply = value;
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(GrpcFailures.fromStatus(nodeId, t));
            }

            @Override
            public void onCompleted() {
                try {
                    // Attributes may be read once the call has closed, which it has.
                    result.complete(check.apply(reply, call.getAttributes()));
                } catch (SectorDeviceException e) {
                    result.completeExceptionally(e);
                } catch (RuntimeException e) {
                    // A reply the checks cannot even process (none at all, an unusable key) is
                    // not evidence of anything: treat it like a malformed one, and never leave
                    // the future hanging.
                    result.completeExceptionally(new SectorDeviceException(
                            SectorDeviceException.Kind.MALFORMED_REPLY, nodeId, null, "unusable reply: " + e, e));
                }
            }
        });
        return result;
    }

    private SectorDeviceException failure(SectorDeviceException.Kind kind, String detail, Throwable cause) {
        return new SectorDeviceException(kind, nodeId, null, detail, cause);
    }

    private static void requireSectors(int count) {
        if (count < 1 || count > SectorServer.SECTORS_PER_REQUEST_MAX) {
            throw new IllegalArgumentException(
                    "a request names 1.." + SectorServer.SECTORS_PER_REQUEST_MAX + " sectors, not " + count);
        }
    }

    /** Checks one reply and turns it into the device's answer, or throws SectorDeviceException. */
    @FunctionalInterface
    private interface Check<R, T> {
        T apply(R reply, Attributes attributes);
    }

    /** Sends a byte array as the message body, unchanged. */
    private static final class GrpcBytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
