package dev.ratchet.attestation.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * The entry point that turns an {@link AttestedKeyManager} and an {@link AttestedTrustManager}
 * into configured TLS for JSSE sockets and engines and for grpc-java (Netty) servers and channels.
 *
 * <p>Every link is mutual TLS 1.3 and nothing else. Threat: a peer that offers TLS 1.2 or no
 * client certificate to escape the attestation check, or an old protocol whose handshake does not
 * sign the whole transcript with the attested key. Reason for each setting: client
 * authentication is required because both ends must prove they are attested TEEs (a cache node
 * talking to an unattested "Raft node" is as bad as the reverse); TLS 1.3 is the only protocol
 * because its CertificateVerify proves possession of the attested key over the full handshake and
 * because the trust manager's own protocol check (a second line) can only refuse what the stack
 * reveals. JSSE's {@link SSLContext} cannot be told to default to TLS 1.3 only, so sockets and
 * engines must go through {@link #configure(SSLSocket)} and its siblings; the trust manager still
 * refuses a TLS 1.2 session it sees, so a forgotten call fails closed.
 *
 * <p>gRPC uses the JDK provider on purpose, not Netty's bundled BoringSSL (which grpc picks by
 * default when present): with the JDK provider the trust manager sees the same {@link SSLEngine}
 * (and its handshake session, hence the negotiated protocol) as on plain JSSE links, so one
 * implementation and one set of tests cover every link; the key stays in the Java heap instead of
 * being copied into native memory; and there is no native library to load into the TEE image.
 */
public final class AttestedTls {
    /** The only protocol Ratchet links speak. */
    public static final String TLS_1_3 = "TLSv1.3";

    private AttestedTls() {}

    /**
     * Returns an SSL context that presents {@code keyManager}'s identity and trusts peers through
     * {@code trustManager}. Sockets and engines made from it must be passed to a {@code configure}
     * method of this class.
     */
    public static SSLContext sslContext(AttestedKeyManager keyManager, AttestedTrustManager trustManager) {
        try {
            SSLContext context = SSLContext.getInstance(TLS_1_3);
            context.init(new KeyManager[] {keyManager}, new TrustManager[] {trustManager}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make a TLSv1.3 context", e);
        }
    }

    /**
     * Returns the parameters of every Ratchet TLS endpoint: TLS 1.3 only and a required client
     * certificate, with the context's default cipher suites.
     */
    public static SSLParameters parameters(SSLContext context) {
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(new String[] {TLS_1_3});
        // Needed on servers; a client ignores it, so one parameter set serves both sides.
        parameters.setNeedClientAuth(true);
        // Identity is the attested node id (PeerExpectation), not a host name: RA-TLS
        // certificates carry no subjectAltName, so host-name checks have nothing to check.
        parameters.setEndpointIdentificationAlgorithm(null);
        return parameters;
    }

    /** Restricts a server socket to TLS 1.3 with a required client certificate; returns it. */
    public static SSLServerSocket configure(SSLServerSocket socket) {
        socket.setEnabledProtocols(new String[] {TLS_1_3});
        socket.setNeedClientAuth(true);
        return socket;
    }

    /** Restricts a socket (client or server side) to TLS 1.3 with client authentication; returns it. */
    public static SSLSocket configure(SSLSocket socket) {
        socket.setEnabledProtocols(new String[] {TLS_1_3});
        if (!socket.getUseClientMode()) {
            socket.setNeedClientAuth(true);
        }
        return socket;
    }

    /**
     * Restricts an engine to TLS 1.3 with client authentication; returns it. Set the engine's
     * client mode first: client authentication is only demanded in server mode.
     */
    public static SSLEngine configure(SSLEngine engine) {
        engine.setEnabledProtocols(new String[] {TLS_1_3});
        if (!engine.getUseClientMode()) {
            engine.setNeedClientAuth(true);
        }
        return engine;
    }

    /**
     * Returns the Netty SSL context of a gRPC server: presents this node, requires an attested
     * client certificate, TLS 1.3 only, JDK provider.
     *
     * @throws SSLException if Netty cannot build the context
     */
    public static SslContext grpcServerContext(AttestedKeyManager keyManager, AttestedTrustManager trustManager)
            throws SSLException {
        return grpcServerContext(keyManager, trustManager, SslProvider.JDK);
    }

    /**
     * Returns the Netty SSL context of a gRPC channel: presents this node as a client
     * certificate, trusts the server only through {@code trustManager}, TLS 1.3 only, JDK
     * provider.
     *
     * @throws SSLException if Netty cannot build the context
     */
    public static SslContext grpcClientContext(AttestedKeyManager keyManager, AttestedTrustManager trustManager)
            throws SSLException {
        return grpcClientContext(keyManager, trustManager, SslProvider.JDK);
    }

    // The provider is a parameter only so tests can observe how another provider behaves.
    static SslContext grpcServerContext(
            AttestedKeyManager keyManager, AttestedTrustManager trustManager, SslProvider provider)
            throws SSLException {
        return GrpcSslContexts.configure(SslContextBuilder.forServer(keyManager), provider)
                .trustManager(trustManager)
                .clientAuth(ClientAuth.REQUIRE)
                .protocols(TLS_1_3)
                .build();
    }

    static SslContext grpcClientContext(
            AttestedKeyManager keyManager, AttestedTrustManager trustManager, SslProvider provider)
            throws SSLException {
        return GrpcSslContexts.configure(SslContextBuilder.forClient(), provider)
                .keyManager(keyManager)
                .trustManager(trustManager)
                .protocols(TLS_1_3)
                // Netty 4.2 turns on HTTPS host-name verification for clients by default; the
                // peer is identified by its attested node id (PeerExpectation) instead.
                .endpointIdentificationAlgorithm(null)
                .build();
    }
}
