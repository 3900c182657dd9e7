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
 * <p>Every link is mutual TLS 1.3 and nothing else. Threat: a peer that offers no client
 * certificate, or an older protocol, to get past the attestation check or to weaken the channel.
 * Client authentication is required because both ends must prove they are attested TEEs (a cache
 * node talking to an unattested "Raft node" is as bad as the reverse). TLS 1.3 is the only
 * protocol because in it the server signs the whole handshake transcript, forward secrecy is
 * mandatory, renegotiation is gone, and certificates travel encrypted, so the evidence
 * (measurements, chip ids) is not shown to passive observers.
 *
 * <p>JSSE's {@link SSLContext} cannot be told to default to TLS 1.3 only, so sockets and engines
 * must go through {@link #configure(SSLSocket)} or its siblings. The trust manager refuses any
 * other protocol it sees in the handshake session, so a forgotten call still fails closed.
 *
 * <p>gRPC uses the JDK provider on purpose, not Netty's bundled BoringSSL, which grpc picks by
 * default whenever the native library loads. Both call this trust manager (GrpcHandshakeTest
 * checks both) and both show it a handshake session that already reports TLSv1.3, so this is not
 * about correctness today but about having one answer: the provider no longer depends on what
 * the classpath happens to hold; the JSSE and gRPC links run the same TLS code, so one set of
 * tests and one audit cover both; the private key stays in the Java heap rather than being copied
 * into native memory; and no native library is unpacked to a temporary file and loaded at run
 * time. The cost is some handshake and bulk speed, which node-to-node links can afford.
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
                // The peer is identified by its attested node id (PeerExpectation), not a host
                // name; RA-TLS certificates have no subjectAltName. grpc's TLS handler sets HTTPS
                // on each engine anyway, which is harmless: with an X509ExtendedTrustManager the
                // host-name check is the trust manager's job, and ours does not do one.
                .endpointIdentificationAlgorithm(null)
                .build();
    }
}
