package dev.ratchet.attestation.tls;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.IdentityBinding;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real TLS handshakes over loopback between JSSE sockets whose both ends use {@link
 * AttestedTrustManager}; each bad peer is refused for its own reason, asserted on the refusing
 * side.
 */
class JsseHandshakeTest {
    private static final Instant NOW = Instant.parse("2026-11-22T00:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final int TIMEOUT_MILLIS = 10_000;
    private static final byte[] PING = "ping!".getBytes(UTF_8);

    private final TestClusterCa cluster = new TestClusterCa(CLOCK);
    private final NodeIdentity server = cluster.identity(Role.TABLET_STORE);
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopExecutor() throws InterruptedException {
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), "server thread did not stop");
    }

    @Test
    void goodPeers_handshakeAndExchangeBytes() throws Exception {
        NodeIdentity client = cluster.identity(Role.CACHE);
        AttestedTrustManager serverTrust = trust(cluster.verifier(), Role.CACHE).build();
        AttestedTrustManager clientTrust = trust(cluster.verifier(), Role.TABLET_STORE)
                .expectation(PeerExpectation.exactly(server.nodeId()))
                .build();

        Exchange exchange = exchange(context(server, serverTrust), context(client, clientTrust), true);

        assertNoError(exchange.serverError, "server failed");
        assertNoError(exchange.clientError, "client failed");
        assertArrayEquals(PING, exchange.echoed);
        assertEquals("TLSv1.3", exchange.protocol);
        assertEquals(new AttestedPeer(client.nodeId(), Role.CACHE, client.publicKey()), exchange.clientAsSeenByServer);
        assertEquals(
                new AttestedPeer(server.nodeId(), Role.TABLET_STORE, server.publicKey()),
                exchange.serverAsSeenByClient);
        assertEquals(Map.of(), serverTrust.refusalCounts());
        assertEquals(Map.of(), clientTrust.refusalCounts());
    }

    @Test
    void clientWithoutEvidence_isRefusedByServer() throws Exception {
        KeyPair keyPair = newKeyPair();
        X509Certificate plain = plainSelfSigned(keyPair);
        assertClientRefused(
                Refusal.NO_EVIDENCE, trust(cluster.verifier(), Role.CACHE).build(), keyManager(keyPair, plain));
    }

    @Test
    void clientWithWrongRole_isRefusedByServer() throws Exception {
        NodeIdentity client = cluster.identity(Role.CLIENT);
        assertClientRefused(
                Refusal.WRONG_ROLE, trust(cluster.verifier(), Role.CACHE).build(), new AttestedKeyManager(client));
    }

    @Test
    void clientWhoseKeyTheEvidenceDoesNotBind_isRefusedByServer() throws Exception {
        NodeIdentity genuine = cluster.identity(Role.CACHE);
        KeyPair other = newKeyPair();
        // The evidence is genuine, but it binds another key than the one this certificate presents
        // (and whose possession TLS proves): a host relaying someone else's report.
        X509Certificate grafted = RaTlsCertificate.create(
                other,
                IdentityBinding.nodeId(other.getPublic().getEncoded()),
                genuine.evidence(),
                NOW,
                Duration.ofDays(1));
        assertClientRefused(
                Refusal.UNBOUND_KEY, trust(cluster.verifier(), Role.CACHE).build(), keyManager(other, grafted));
    }

    @Test
    void simulatedClient_isRefusedWhenPolicyForbidsSimulated() throws Exception {
        NodeIdentity client = cluster.identity(Role.CACHE);
        AttestationVerifier strict =
                cluster.verifier(cluster.policy().allowSimulated(false).build());
        assertClientRefused(
                Refusal.SIMULATED_NOT_ALLOWED, trust(strict, Role.CACHE).build(), new AttestedKeyManager(client));
    }

    @Test
    void clientWithExpiredCertificate_isRefusedByServer() throws Exception {
        NodeIdentity client = NodeIdentity.generate(Role.CACHE, cluster.provider(), CLOCK, Duration.ofHours(1));
        AttestedTrustManager later = trust(cluster.verifier(), Role.CACHE)
                .clock(Clock.offset(CLOCK, Duration.ofHours(2)))
                .build();
        assertClientRefused(Refusal.EXPIRED, later, new AttestedKeyManager(client));
    }

    @Test
    void clientWithEvidenceOlderThanPolicyAllows_isRefusedByServer() throws Exception {
        NodeIdentity client = cluster.identity(Role.CACHE);
        AttestationVerifier fresh = cluster.verifier(
                cluster.policy().maxEvidenceAge(Duration.ofHours(1)).build());
        AttestedTrustManager later = trust(fresh, Role.CACHE)
                .clock(Clock.offset(CLOCK, Duration.ofHours(2)))
                .build();
        assertClientRefused(Refusal.EXPIRED, later, new AttestedKeyManager(client));
    }

    @Test
    void serverWithUnexpectedNodeId_isRefusedByClient() throws Exception {
        NodeIdentity client = cluster.identity(Role.CACHE);
        NodeIdentity expected = cluster.identity(Role.TABLET_STORE);
        AttestedTrustManager serverTrust = trust(cluster.verifier(), Role.CACHE).build();
        AttestedTrustManager clientTrust = trust(cluster.verifier(), Role.TABLET_STORE)
                .expectation(PeerExpectation.exactly(expected.nodeId()))
                .build();

        Exchange exchange = exchange(context(server, serverTrust), context(client, clientTrust), true);

        assertRefusedBy(Refusal.WRONG_NODE_ID, exchange.clientError);
        assertNotNull(exchange.serverError, "server must see the handshake fail");
        assertEquals(Map.of(Refusal.WRONG_NODE_ID, 1L), clientTrust.refusalCounts());
        assertEquals(Map.of(), serverTrust.refusalCounts());
    }

    @Test
    void clientLimitedToTls12_cannotConnect() throws Exception {
        NodeIdentity client = cluster.identity(Role.CACHE);
        AttestedTrustManager serverTrust = trust(cluster.verifier(), Role.CACHE).build();
        AttestedTrustManager clientTrust =
                trust(cluster.verifier(), Role.TABLET_STORE).build();
        SSLContext clientContext = context(client, clientTrust);

        Exchange exchange = exchange(context(server, serverTrust), clientContext, true, "TLSv1.2");

        // The configured server offers only TLS 1.3: the versions do not meet, so no certificate
        // is ever looked at.
        assertInstanceOf(SSLHandshakeException.class, exchange.clientError);
        assertInstanceOf(SSLHandshakeException.class, exchange.serverError);
        assertEquals(Map.of(), serverTrust.refusalCounts());
        assertEquals(Map.of(), clientTrust.refusalCounts());
    }

    @Test
    void tls12Session_isRefusedByTrustManagerWhenServerWasNotConfigured() throws Exception {
        NodeIdentity client = cluster.identity(Role.CACHE);
        AttestedTrustManager serverTrust = trust(cluster.verifier(), Role.CACHE).build();
        AttestedTrustManager clientTrust =
                trust(cluster.verifier(), Role.TABLET_STORE).build();

        // A server socket someone forgot to pass to AttestedTls.configure still speaks TLS 1.2;
        // the trust manager sees the protocol in the handshake session and refuses it.
        Exchange exchange = exchange(context(server, serverTrust), context(client, clientTrust), false, "TLSv1.2");

        assertRefusedBy(Refusal.PROTOCOL, exchange.clientError);
        assertEquals(Map.of(Refusal.PROTOCOL, 1L), clientTrust.refusalCounts());
    }

    @Test
    void configure_restrictsEngineToTls13WithClientAuth() throws Exception {
        SSLContext context =
                context(server, trust(cluster.verifier(), Role.CACHE).build());
        SSLEngine serverEngine = context.createSSLEngine();
        serverEngine.setUseClientMode(false);
        AttestedTls.configure(serverEngine);
        assertArrayEquals(new String[] {"TLSv1.3"}, serverEngine.getEnabledProtocols());
        assertTrue(serverEngine.getNeedClientAuth());

        SSLEngine clientEngine = context.createSSLEngine("127.0.0.1", 1);
        clientEngine.setUseClientMode(true);
        AttestedTls.configure(clientEngine);
        assertArrayEquals(new String[] {"TLSv1.3"}, clientEngine.getEnabledProtocols());

        SSLParameters parameters = AttestedTls.parameters(context);
        assertArrayEquals(new String[] {"TLSv1.3"}, parameters.getProtocols());
        assertTrue(parameters.getNeedClientAuth());
    }

    private void assertClientRefused(Refusal expected, AttestedTrustManager serverTrust, KeyManager clientKeys)
            throws Exception {
        AttestedTrustManager clientTrust =
                trust(cluster.verifier(), Role.TABLET_STORE).build();
        SSLContext clientContext = SSLContext.getInstance("TLSv1.3");
        clientContext.init(new KeyManager[] {clientKeys}, new TrustManager[] {clientTrust}, new SecureRandom());

        Exchange exchange = exchange(context(server, serverTrust), clientContext, true);

        assertRefusedBy(expected, exchange.serverError);
        // In TLS 1.3 the client sends its certificate last, so it learns of the refusal only when
        // it next writes or reads: the server's alert, or a reset if the server already closed.
        assertInstanceOf(IOException.class, exchange.clientError, String.valueOf(exchange.clientError));
        assertEquals(Map.of(expected, 1L), serverTrust.refusalCounts());
        assertEquals(Map.of(), clientTrust.refusalCounts());
    }

    private static void assertRefusedBy(Refusal expected, Throwable error) {
        assertNotNull(error, "the handshake should have failed");
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof PeerRefusedException refused) {
                assertEquals(expected, refused.refusal(), refused.getMessage());
                return;
            }
        }
        throw new AssertionError("no PeerRefusedException in " + error, error);
    }

    /** What each end of one connection saw. */
    private static final class Exchange {
        Throwable serverError;
        Throwable clientError;
        byte[] echoed;
        String protocol;
        AttestedPeer clientAsSeenByServer;
        AttestedPeer serverAsSeenByClient;
    }

    private Exchange exchange(SSLContext serverContext, SSLContext clientContext, boolean configureServer)
            throws Exception {
        return exchange(serverContext, clientContext, configureServer, "TLSv1.3");
    }

    /**
     * Runs one connection: the server accepts, handshakes and echoes {@link #PING}; the client
     * connects with {@code clientProtocol} only, sends and reads back. Every blocking step is
     * bounded by {@link #TIMEOUT_MILLIS}.
     */
    private Exchange exchange(
            SSLContext serverContext, SSLContext clientContext, boolean configureServer, String clientProtocol)
            throws Exception {
        Exchange exchange = new Exchange();
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (SSLServerSocket listener =
                (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket(0, 1, loopback)) {
            if (configureServer) {
                AttestedTls.configure(listener);
            } else {
                listener.setNeedClientAuth(true);
            }
            listener.setSoTimeout(TIMEOUT_MILLIS);
            Future<AttestedPeer> served = executor.submit(() -> {
                try (SSLSocket socket = (SSLSocket) listener.accept()) {
                    socket.setSoTimeout(TIMEOUT_MILLIS);
                    socket.startHandshake();
                    byte[] received = socket.getInputStream().readNBytes(PING.length);
                    socket.getOutputStream().write(received);
                    socket.getOutputStream().flush();
                    return AttestedPeer.fromSession(socket.getSession());
                }
            });
            try (SSLSocket socket =
                    (SSLSocket) clientContext.getSocketFactory().createSocket(loopback, listener.getLocalPort())) {
                AttestedTls.configure(socket);
                socket.setEnabledProtocols(new String[] {clientProtocol});
                socket.setSoTimeout(TIMEOUT_MILLIS);
                socket.startHandshake();
                socket.getOutputStream().write(PING);
                socket.getOutputStream().flush();
                exchange.echoed = readFully(socket.getInputStream());
                exchange.protocol = socket.getSession().getProtocol();
                exchange.serverAsSeenByClient = AttestedPeer.fromSession(socket.getSession());
            } catch (IOException e) {
                exchange.clientError = e;
            }
            try {
                exchange.clientAsSeenByServer = served.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                exchange.serverError = e.getCause();
            }
        }
        return exchange;
    }

    private static byte[] readFully(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(PING.length);
        if (bytes.length != PING.length) {
            throw new IOException("connection closed after " + bytes.length + " bytes");
        }
        return bytes;
    }

    private static void assertNoError(Throwable error, String message) {
        if (error != null) {
            throw new AssertionError(message + ": " + error, error);
        }
    }

    private static AttestedTrustManager.Builder trust(AttestationVerifier verifier, Role accepted) {
        return AttestedTrustManager.builder(verifier).acceptRoles(accepted).clock(CLOCK);
    }

    private static SSLContext context(NodeIdentity identity, AttestedTrustManager trust) {
        return AttestedTls.sslContext(new AttestedKeyManager(identity), trust);
    }

    static KeyPair newKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    static X509Certificate plainSelfSigned(KeyPair keyPair) throws Exception {
        X500Name name = new X500Name("CN=not attested");
        return new JcaX509CertificateConverter()
                .getCertificate(new JcaX509v3CertificateBuilder(
                                name,
                                BigInteger.ONE,
                                Date.from(NOW.minus(Duration.ofHours(1))),
                                Date.from(NOW.plus(Duration.ofDays(1))),
                                name,
                                keyPair.getPublic())
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate())));
    }

    /** Returns a stock JDK key manager that presents {@code certificate} for {@code keyPair}. */
    static KeyManager keyManager(KeyPair keyPair, X509Certificate certificate) throws Exception {
        char[] password = "test".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("peer", keyPair.getPrivate(), password, new X509Certificate[] {certificate});
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        return factory.getKeyManagers()[0];
    }
}
