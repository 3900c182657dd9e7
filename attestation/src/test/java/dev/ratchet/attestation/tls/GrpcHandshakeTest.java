package dev.ratchet.attestation.tls;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real gRPC calls over Netty and TLS on loopback, with {@link AttestedTls}'s SSL contexts on both
 * ends; a tiny byte-array service answers with the caller's attested node id and role as {@link
 * AttestedPeerInterceptor} saw them.
 */
class GrpcHandshakeTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);
    private static final long TIMEOUT_MILLIS = 10_000;

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
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
    };

    private static final MethodDescriptor<byte[], byte[]> WHO_AM_I = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("ratchet.test.Peer", "WhoAmI"))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    private final TestClusterCa cluster = new TestClusterCa(CLOCK);
    private final NodeIdentity server = cluster.identity(Role.TABLET_STORE);
    private final AttestedTrustManager serverTrust = AttestedTrustManager.builder(cluster.verifier())
            .acceptRoles(Role.CACHE)
            .clock(CLOCK)
            .build();
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void shutDown() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
            assertTrue(channel.awaitTermination(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), "channel did not stop");
        }
        for (Server started : servers) {
            started.shutdownNow();
            assertTrue(started.awaitTermination(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), "server did not stop");
        }
    }

    @Test
    void goodPeers_getAnswerNamingTheAttestedCaller() throws Exception {
        NodeIdentity client = cluster.identity(Role.CACHE);
        AttestedTrustManager clientTrust = clientTrust(PeerExpectation.exactly(server.nodeId()));
        int port = startServer(AttestedTls.grpcServerContext(new AttestedKeyManager(server), serverTrust));

        String answer = call(port, AttestedTls.grpcClientContext(new AttestedKeyManager(client), clientTrust));

        assertEquals(client.nodeId() + " " + Role.CACHE.wireName(), answer);
        assertEquals(Map.of(), serverTrust.refusalCounts());
        assertEquals(Map.of(), clientTrust.refusalCounts());
    }

    @Test
    void clientWithWrongRole_isRefusedByServer() throws Exception {
        NodeIdentity client = cluster.identity(Role.SECTOR);
        int port = startServer(AttestedTls.grpcServerContext(new AttestedKeyManager(server), serverTrust));
        SslContext clientContext =
                AttestedTls.grpcClientContext(new AttestedKeyManager(client), clientTrust(PeerExpectation.any()));

        assertUnavailable(port, clientContext);
        assertOnlyRefusal(Refusal.WRONG_ROLE, serverTrust);
    }

    @Test
    void clientWithoutEvidence_isRefusedByServer() throws Exception {
        KeyPair keyPair = JsseHandshakeTest.newKeyPair();
        KeyManager plain = JsseHandshakeTest.keyManager(keyPair, JsseHandshakeTest.plainSelfSigned(keyPair));
        int port = startServer(AttestedTls.grpcServerContext(new AttestedKeyManager(server), serverTrust));
        // Built like AttestedTls.grpcClientContext, but presenting a certificate without evidence.
        SslContext clientContext = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                .keyManager(plain)
                .trustManager(clientTrust(PeerExpectation.any()))
                .protocols(AttestedTls.TLS_1_3)
                .endpointIdentificationAlgorithm(null)
                .build();

        assertUnavailable(port, clientContext);
        assertOnlyRefusal(Refusal.NO_EVIDENCE, serverTrust);
    }

    @Test
    void clientExpectingAnotherNode_refusesServer() throws Exception {
        NodeIdentity client = cluster.identity(Role.CACHE);
        NodeIdentity expected = cluster.identity(Role.TABLET_STORE);
        AttestedTrustManager clientTrust = clientTrust(PeerExpectation.exactly(expected.nodeId()));
        int port = startServer(AttestedTls.grpcServerContext(new AttestedKeyManager(server), serverTrust));

        assertUnavailable(port, AttestedTls.grpcClientContext(new AttestedKeyManager(client), clientTrust));
        assertOnlyRefusal(Refusal.WRONG_NODE_ID, clientTrust);
        assertEquals(Map.of(), serverTrust.refusalCounts());
    }

    @Test
    void jdkProvider_alsoRunsTheTrustManager() throws Exception {
        // Not what AttestedTls ships, but a switch back to the JDK's TLS must not silently bypass
        // attestation: the JDK engine must call the trust manager too, on both sides.
        NodeIdentity good = cluster.identity(Role.CACHE);
        NodeIdentity wrongRole = cluster.identity(Role.CLIENT);
        AttestedTrustManager clientTrust = clientTrust(PeerExpectation.exactly(server.nodeId()));
        int port = startServer(
                AttestedTls.grpcServerContext(new AttestedKeyManager(server), serverTrust, SslProvider.JDK));

        String answer =
                call(port, AttestedTls.grpcClientContext(new AttestedKeyManager(good), clientTrust, SslProvider.JDK));
        assertEquals(good.nodeId() + " " + Role.CACHE.wireName(), answer);

        assertUnavailable(
                port, AttestedTls.grpcClientContext(new AttestedKeyManager(wrongRole), clientTrust, SslProvider.JDK));
        assertOnlyRefusal(Refusal.WRONG_ROLE, serverTrust);
        assertEquals(Map.of(), clientTrust.refusalCounts());
    }

    @Test
    void interceptor_refusesCallsWithoutTls() throws Exception {
        String name = InProcessServerBuilder.generateName();
        servers.add(InProcessServerBuilder.forName(name)
                .addService(service())
                .build()
                .start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        channels.add(channel);

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call(channel));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    }

    private AttestedTrustManager clientTrust(PeerExpectation expectation) {
        return AttestedTrustManager.builder(cluster.verifier())
                .acceptRoles(Role.TABLET_STORE)
                .clock(CLOCK)
                .expectation(expectation)
                .build();
    }

    private static ServerServiceDefinition service() {
        ServerServiceDefinition definition = ServerServiceDefinition.builder("ratchet.test.Peer")
                .addMethod(WHO_AM_I, ServerCalls.asyncUnaryCall((request, response) -> {
                    AttestedPeer peer = AttestedPeerInterceptor.current();
                    response.onNext((peer.nodeId() + " " + peer.role().wireName()).getBytes(UTF_8));
                    response.onCompleted();
                }))
                .build();
        return ServerInterceptors.intercept(definition, new AttestedPeerInterceptor());
    }

    private int startServer(SslContext sslContext) throws IOException {
        Server started = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(sslContext)
                .addService(service())
                .build()
                .start();
        servers.add(started);
        return started.getPort();
    }

    private String call(int port, SslContext sslContext) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
                .sslContext(sslContext)
                .build();
        channels.add(channel);
        return call(channel);
    }

    private static String call(ManagedChannel channel) {
        byte[] answer = ClientCalls.blockingUnaryCall(
                channel,
                WHO_AM_I,
                CallOptions.DEFAULT.withDeadlineAfter(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS),
                new byte[0]);
        return new String(answer, UTF_8);
    }

    private void assertUnavailable(int port, SslContext clientContext) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call(port, clientContext));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
    }

    // gRPC may try more than one connection for one call, so the count is at least one, and no
    // other reason may appear.
    private static void assertOnlyRefusal(Refusal expected, AttestedTrustManager trust) {
        assertEquals(Set.of(expected), trust.refusalCounts().keySet());
        assertTrue(trust.refusalCount(expected) >= 1);
    }
}
