package dev.ratchet.sector.array;

import static dev.ratchet.sector.server.SectorServerFixture.CAPACITY_SECTORS;
import static dev.ratchet.sector.server.SectorServerFixture.CLOCK;
import static dev.ratchet.sector.server.SectorServerFixture.TIMEOUT_MILLIS;
import static dev.ratchet.sector.server.SectorServerFixture.sector;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.SignedRead;
import dev.ratchet.sector.proto.ReadSectorsRequest;
import dev.ratchet.sector.proto.ReadSectorsResponse;
import dev.ratchet.sector.proto.SectorServiceGrpc;
import dev.ratchet.sector.server.SectorServerFixture;
import dev.ratchet.sector.server.TestHooks;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link GrpcSectorDevice} against a real sector server over attested TLS on loopback, with
 * interceptors standing in for a host that replays or re-signs read replies.
 */
class GrpcSectorDeviceTest {
    private final SectorServerFixture fixture = new SectorServerFixture();
    private final NodeIdentity cache = fixture.identity(Role.CACHE);
    private final List<SectorDevice> devices = new ArrayList<>();

    @AfterEach
    void close() {
        devices.forEach(SectorDevice::close);
        fixture.close();
    }

    @Test
    void writeReadTrimAndStatus_roundTrip() throws Exception {
        fixture.authorize(1, cache);
        SectorDevice device = device(List.of());

        await(device.write(new long[] {4, 7}, List.of(sector(1), sector(2))));
        List<byte[]> read = await(device.read(new long[] {7, 4, 5}));
        await(device.trim(new long[] {4}));
        SectorDevice.DeviceStatus status = await(device.status());

        assertArrayEquals(sector(2), read.get(0));
        assertArrayEquals(sector(1), read.get(1));
        assertArrayEquals(sector(0), read.get(2));
        assertArrayEquals(sector(0), await(device.read(new long[] {4})).get(0));
        assertEquals(new SectorDevice.DeviceStatus(CAPACITY_SECTORS, 1, 1, 256), status);
        assertEquals(fixture.server().nodeId(), device.nodeId());
    }

    @Test
    void replayedReadReply_isBadProof() throws Exception {
        fixture.authorize(1, cache);
        AtomicReference<Object> recorded = new AtomicReference<>();
        SectorDevice device = device(List.of(onReadReply(
                reply -> {
                    // The first reply is recorded; every later one is replaced by it, as a host would.
                    return recorded.compareAndSet(null, reply) ? reply : (ReadSectorsResponse) recorded.get();
                },
                request -> request)));
        await(device.write(new long[] {0}, List.of(sector(1))));
        assertArrayEquals(sector(1), await(device.read(new long[] {0})).get(0));
        await(device.write(new long[] {0}, List.of(sector(2))));

        assertFailure(SectorDeviceException.Kind.BAD_PROOF, device.read(new long[] {0}));
    }

    @Test
    void replySignedByAnotherIdentity_isBadProof() throws Exception {
        NodeIdentity impostor = fixture.identity(Role.SECTOR);
        AtomicReference<byte[]> sent = new AtomicReference<>();
        SectorDevice device = device(List.of(onReadReply(
                reply -> reply.toBuilder()
                        .setSignature(ByteString.copyFrom(SignedRead.sign(
                                impostor,
                                nonce(sent.get()),
                                sent.get(),
                                ByteString.copyFrom(reply.getSectorsList()).toByteArray())))
                        .build(),
                request -> {
                    sent.set(request);
                    return request;
                })));

        assertFailure(SectorDeviceException.Kind.BAD_PROOF, device.read(new long[] {1}));
    }

    @Test
    void genuinelySignedReplyOfTheWrongShape_isMalformed() throws Exception {
        // Re-signed with the server's own key, so only the shape checks can catch these.
        NodeIdentity server = fixture.serverIdentity();
        AtomicReference<byte[]> sent = new AtomicReference<>();
        UnaryOperator<byte[]> record = request -> {
            sent.set(request);
            return request;
        };
        SectorDevice missingSector =
                device(List.of(onReadReply(reply -> resign(server, sent.get(), List.of(reply.getSectors(0))), record)));
        SectorDevice shortSector = device(List.of(onReadReply(
                reply -> resign(server, sent.get(), List.of(reply.getSectors(0).substring(1))), record)));

        assertFailure(SectorDeviceException.Kind.MALFORMED_REPLY, missingSector.read(new long[] {1, 2}));
        assertFailure(SectorDeviceException.Kind.MALFORMED_REPLY, shortSector.read(new long[] {1}));
    }

    private static ReadSectorsResponse resign(NodeIdentity signer, byte[] request, List<ByteString> sectors) {
        byte[] signature = SignedRead.sign(
                signer, nonce(request), request, ByteString.copyFrom(sectors).toByteArray());
        return ReadSectorsResponse.newBuilder()
                .addAllSectors(sectors)
                .setSignature(ByteString.copyFrom(signature))
                .build();
    }

    @Test
    void serverRefusal_isRefusedWithItsErrorName() throws Exception {
        SectorDevice device = device(List.of());

        SectorDeviceException e =
                assertFailure(SectorDeviceException.Kind.REFUSED, device.write(new long[] {0}, List.of(sector(1))));

        assertEquals("WRITER_NOT_AUTHORIZED", e.serverError());
        assertEquals(fixture.server().nodeId(), e.nodeId());
    }

    @Test
    void rolledBackServer_servesOldDataWithAValidProof() throws Exception {
        fixture.authorize(1, cache);
        SectorDevice device = device(List.of());
        await(device.write(new long[] {3}, List.of(sector(1))));
        TestHooks.Snapshot old = fixture.hooks().snapshot();
        await(device.write(new long[] {3}, List.of(sector(2))));

        fixture.hooks().restore(old);

        // The proof is genuine: catching stale data is the array's job, by digest.
        assertArrayEquals(sector(1), await(device.read(new long[] {3})).get(0));
    }

    @Test
    void anotherNodeAtTheAddress_isUnavailable() throws Exception {
        String expected = fixture.identity(Role.SECTOR).nodeId();
        SectorDevice device = track(new GrpcSectorDevice(
                "127.0.0.1",
                fixture.server().port(),
                expected,
                cache,
                fixture.cluster().verifier(),
                CLOCK,
                TIMEOUT_MILLIS));

        SectorDeviceException e = assertFailure(SectorDeviceException.Kind.UNAVAILABLE, device.status());

        assertEquals(expected, e.nodeId());
    }

    @Test
    void silentPeer_isUnavailableAtTheDeadline() throws Exception {
        // Accepts TCP connections and never answers the TLS handshake.
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            SectorDevice device = track(new GrpcSectorDevice(
                    "127.0.0.1",
                    silent.getLocalPort(),
                    fixture.server().nodeId(),
                    cache,
                    fixture.cluster().verifier(),
                    CLOCK,
                    /* timeoutMillis= */ 300));

            SectorDeviceException e = assertFailure(SectorDeviceException.Kind.UNAVAILABLE, device.status());

            assertNull(e.serverError());
        }
    }

    @Test
    void stoppedServer_isUnavailable() throws Exception {
        SectorDevice device = device(List.of());
        await(device.status());

        fixture.server().close();

        assertFailure(SectorDeviceException.Kind.UNAVAILABLE, device.status());
    }

    @Test
    void sectorErrorNames_areParsedOnlyWhenKnown() {
        assertEquals("SECTOR_OUT_OF_RANGE", GrpcFailures.sectorError("SECTOR_OUT_OF_RANGE: sector 9 is outside"));
        assertNull(GrpcFailures.sectorError("SECTOR_ERROR_UNSPECIFIED: x"));
        assertNull(GrpcFailures.sectorError("NOT_AN_ERROR: x"));
        assertNull(GrpcFailures.sectorError("no colon"));
        assertNull(GrpcFailures.sectorError(""));
    }

    private SectorDevice device(List<ClientInterceptor> interceptors) throws SSLException {
        return track(new GrpcSectorDevice(
                "127.0.0.1",
                fixture.server().port(),
                fixture.server().nodeId(),
                cache,
                fixture.cluster().verifier(),
                CLOCK,
                TIMEOUT_MILLIS,
                interceptors));
    }

    private SectorDevice track(SectorDevice device) {
        devices.add(device);
        return device;
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static SectorDeviceException assertFailure(SectorDeviceException.Kind kind, CompletableFuture<?> future) {
        ExecutionException e =
                assertThrows(ExecutionException.class, () -> future.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
        SectorDeviceException failure = assertInstanceOf(SectorDeviceException.class, e.getCause());
        assertEquals(kind, failure.kind(), failure.getMessage());
        return failure;
    }

    private static byte[] nonce(byte[] readRequest) {
        try {
            return ReadSectorsRequest.parseFrom(readRequest).getNonce().toByteArray();
        } catch (InvalidProtocolBufferException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }

    /**
     * Returns an interceptor that shows each ReadSectors request (the raw bytes the device sends)
     * to {@code onRequest} and passes each reply through {@code onReply}.
     */
    private static ClientInterceptor onReadReply(
            UnaryOperator<ReadSectorsResponse> onReply, UnaryOperator<byte[]> onRequest) {
        String read = SectorServiceGrpc.getReadSectorsMethod().getFullMethodName();
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(
                    MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                ClientCall<Q, R> call = next.newCall(method, options);
                if (!method.getFullMethodName().equals(read)) {
                    return call;
                }
                return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                    @Override
                    @SuppressWarnings("unchecked")
                    public void sendMessage(Q message) {
                        super.sendMessage((Q) onRequest.apply((byte[]) message));
                    }

                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        super.start(
                                new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                                    @Override
                                    @SuppressWarnings("unchecked")
                                    public void onMessage(R message) {
                                        super.onMessage((R) onReply.apply((ReadSectorsResponse) message));
                                    }
                                },
                                headers);
                    }
                };
            }
        };
    }
}
