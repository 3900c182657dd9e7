package dev.ratchet.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import dev.ratchet.attestation.tls.AttestedKeyManager;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins down what {@link AttestedRaftChannels} relies on in Ratis 3.2.2, so that a Ratis or netty
 * upgrade that changes it fails here rather than silently weakening a check: both ends use the
 * OpenSSL engine, the handshake is TLS 1.3 and visible to the trust manager (which refuses older
 * protocols only where it can see them), and the dialling side sees exactly the address written in
 * the {@code RaftPeer} (which the address-to-node-id binding needs), while the accepting side sees
 * none.
 */
class RatisTlsAssumptionsTest {
    /** What one trust-manager call saw. */
    private record Seen(String direction, String engine, String protocol, String host, int port) {}

    /** Records each call and trusts everyone; identity checks are not what this test is about. */
    private static final class RecordingTrustManager extends X509ExtendedTrustManager {
        private final Queue<Seen> seen = new ConcurrentLinkedQueue<>();

        private void record(String direction, SSLEngine engine) {
            seen.add(new Seen(
                    direction,
                    engine.getClass().getSimpleName(),
                    engine.getHandshakeSession() == null
                            ? null
                            : engine.getHandshakeSession().getProtocol(),
                    engine.getPeerHost(),
                    engine.getPeerPort()));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            record("inbound", engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            record("outbound", engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("Ratis is expected to use SSLEngine, not sockets");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("Ratis is expected to use SSLEngine, not sockets");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("Ratis is expected to use SSLEngine");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("Ratis is expected to use SSLEngine");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    @Test
    void clientPortHandshakeIsOpenSslTls13AndTheDiallerSeesThePeerAddress(@TempDir Path storage) throws IOException {
        TestClusterCa ca = new TestClusterCa(Clock.systemUTC());
        NodeIdentity serverIdentity = ca.identity(Role.TABLET_STORE);
        int[] ports = LoopbackPorts.free(3);
        RaftPeer peer = AttestedRaftChannels.raftPeer(
                serverIdentity.nodeId(), LoopbackPorts.HOST, ports[0], ports[1], ports[2]);
        RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peer);

        RecordingTrustManager serverSide = new RecordingTrustManager();
        Parameters serverParameters = new Parameters();
        GrpcConfigKeys.TLS.setConf(
                serverParameters, new GrpcTlsConfig(new AttestedKeyManager(serverIdentity), serverSide, true));
        RaftProperties properties = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(properties, List.of(storage.toFile()));
        AttestedRaftChannels.bindPorts(properties, LoopbackPorts.HOST, ports[0], ports[1], ports[2]);

        RecordingTrustManager clientSide = new RecordingTrustManager();
        Parameters clientParameters = new Parameters();
        GrpcConfigKeys.Client.setTlsConf(
                clientParameters,
                new GrpcTlsConfig(new AttestedKeyManager(ca.identity(Role.CLIENT)), clientSide, true));

        try (RaftServer server = RaftServer.newBuilder()
                .setServerId(peer.getId())
                .setGroup(group)
                .setProperties(properties)
                .setParameters(serverParameters)
                .setStateMachine(new CountingStateMachine())
                .setOption(RaftStorage.StartupOption.FORMAT)
                .build()) {
            server.start();
            try (RaftClient client = LoopbackRaftNode.client(group, clientParameters)) {
                assertTrue(client.io().send(Message.valueOf("probe")).isSuccess());
            }
        }

        assertEquals(
                new Seen("outbound", "OpenSslEngine", "TLSv1.3", LoopbackPorts.HOST, ports[1]), clientSide.seen.peek());
        assertEquals(new Seen("inbound", "OpenSslEngine", "TLSv1.3", null, -1), serverSide.seen.peek());
    }
}
