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
 * <p>gRPC links use Netty's bundled BoringSSL, named explicitly ({@link #GRPC_PROVIDER}), not
 * whatever grpc finds on the classpath. An earlier choice was the JDK provider, for one TLS code
 * base across JSSE and gRPC links, the key in the Java heap, and no native library unpacked at
 * run time; the data path showed it cannot afford JSSE's per-byte cost, and Ratis's servers need
 * BoringSSL anyway, so the native library (and its unpack directory, which inside a TEE must be
 * protected memory) is already a requirement. Both providers call this trust manager and show it
 * a session that reports TLSv1.3 (GrpcHandshakeTest checks both).
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
     * client certificate, TLS 1.3 only, BoringSSL (see {@link #GRPC_PROVIDER}).
     *
     * @throws SSLException if Netty cannot build the context, or BoringSSL cannot load
     */
    public static SslContext grpcServerContext(AttestedKeyManager keyManager, AttestedTrustManager trustManager)
            throws SSLException {
        return grpcServerContext(keyManager, trustManager, GRPC_PROVIDER);
    }

    /**
     * Returns the Netty SSL context of a gRPC channel: presents this node as a client
     * certificate, trusts the server only through {@code trustManager}, TLS 1.3 only, BoringSSL
     * (see {@link #GRPC_PROVIDER}).
     *
     * @throws SSLException if Netty cannot build the context, or BoringSSL cannot load
     */
    public static SslContext grpcClientContext(AttestedKeyManager keyManager, AttestedTrustManager trustManager)
            throws SSLException {
        return grpcClientContext(keyManager, trustManager, GRPC_PROVIDER);
    }

    /**
     * Returns the Netty SSL context of a gRPC channel in an application that embeds the client
     * SDK: like {@link #grpcClientContext(AttestedKeyManager, AttestedTrustManager)}, but on the
     * JDK's TLS, so applications need no native library. Pair it with {@link
     * #grpcApplicationServerContext} on the server.
     *
     * @throws SSLException if Netty cannot build the context
     */
    public static SslContext grpcApplicationClientContext(
            AttestedKeyManager keyManager, AttestedTrustManager trustManager) throws SSLException {
        return grpcClientContext(keyManager, trustManager, SslProvider.JDK);
    }

    /**
     * Returns the Netty SSL context of a gRPC server that applications call (the cache node's
     * client port): like {@link #grpcServerContext(AttestedKeyManager, AttestedTrustManager)}, but
     * on the JDK's TLS. With a JDK engine at both ends, a server's refusal of the client's
     * certificate reaches the client as an {@link javax.net.ssl.SSLHandshakeException}, which
     * proves the request was never processed; BoringSSL's refusal arrives after the client's side
     * of the TLS 1.3 handshake has completed, as a plain {@code SSLException}, and the SDK would
     * then have to report a write as possibly applied. These links carry small requests, so the
     * JDK's per-byte cost matters little here.
     *
     * @throws SSLException if Netty cannot build the context
     */
    public static SslContext grpcApplicationServerContext(
            AttestedKeyManager keyManager, AttestedTrustManager trustManager) throws SSLException {
        return grpcServerContext(keyManager, trustManager, SslProvider.JDK);
    }

    /**
     * The TLS implementation of every grpc-java link: the BoringSSL that grpc-netty-shaded bundles,
     * chosen explicitly (never "whatever loads"), as Ratis's servers already use it.
     *
     * <p>Why not the JDK's: the data path moves every tablet through TLS twice (cache node to
     * sector servers, and back on reads), and JSSE's AES-GCM and record layer cost several times
     * BoringSSL's CPU per byte; worse, until C2 has compiled them (which on a busy two-core
     * machine running a dozen JVMs took minutes) GHASH runs in plain Java at about 100 MB/s.
     * Attestation is unaffected: Netty's OpenSSL engine calls the same {@link
     * AttestedTrustManager} on both sides ({@code GrpcHandshakeTest} checks acceptance and each
     * refusal through it), and the private key is handed to BoringSSL inside the same process
     * (TEE) memory as the Java heap. Where BoringSSL cannot load, building a context fails with
     * the cause rather than quietly falling back.
     */
    static final SslProvider GRPC_PROVIDER = SslProvider.OPENSSL;

    // The provider is a parameter so tests can check that another provider behaves the same.
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
