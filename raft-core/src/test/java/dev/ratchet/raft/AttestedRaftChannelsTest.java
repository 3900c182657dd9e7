package dev.ratchet.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import dev.ratchet.raft.AttestedRaftChannels.RaftPort;
import java.time.Clock;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.OpenSsl;
import org.junit.jupiter.api.Test;

/** Unit tests of the per-port TLS confs and the port and id rules, without starting Ratis. */
class AttestedRaftChannelsTest {
    private final TestClusterCa ca = new TestClusterCa(Clock.systemUTC());
    private final AttestationVerifier verifier = ca.verifier();

    @Test
    void shadedOpenSslLoadsHere() {
        AttestedRaftChannels.requireOpenSsl();
        // A TLS 1.3 suite: the attested trust manager refuses any older protocol.
        assertTrue(OpenSsl.isCipherSuiteAvailable("TLS_AES_128_GCM_SHA256"), OpenSsl.versionString());
    }

    @Test
    void tabletStoreRegistersAMutualTlsConfPerPort() {
        NodeIdentity identity = ca.identity(Role.TABLET_STORE);
        AttestedRaftChannels channels =
                AttestedRaftChannels.forTabletStore(identity, verifier, new PeerAddressBook(), Clock.systemUTC());
        Parameters parameters = channels.newParameters();
        GrpcTlsConfig server = GrpcConfigKeys.Server.tlsConf(parameters);
        GrpcTlsConfig client = GrpcConfigKeys.Client.tlsConf(parameters);
        GrpcTlsConfig admin = GrpcConfigKeys.Admin.tlsConf(parameters);
        assertNotSame(server, client);
        assertNotSame(server, admin);
        assertNotSame(client, admin);
        for (GrpcTlsConfig conf : new GrpcTlsConfig[] {server, client, admin}) {
            assertTrue(conf.getMtlsEnabled());
        }
        assertSame(server, GrpcConfigKeys.TLS.conf(parameters), "the default is the strictest conf");
        assertEquals(identity.nodeId(), channels.peerId().toString());
        for (RaftPort port : RaftPort.values()) {
            assertNotSame(channels.inbound(port), channels.outbound(port));
        }
    }

    @Test
    void clientRegistersNoServerConfAndServesNoPort() {
        AttestedRaftChannels channels = AttestedRaftChannels.forClient(
                ca.identity(Role.CACHE), verifier, new PeerAddressBook(), Clock.systemUTC());
        Parameters parameters = channels.newParameters();
        assertEquals(null, GrpcConfigKeys.Server.tlsConf(parameters));
        assertSame(GrpcConfigKeys.Client.tlsConf(parameters), GrpcConfigKeys.TLS.conf(parameters));
        assertThrows(IllegalArgumentException.class, () -> channels.inbound(RaftPort.CLIENT));
        assertThrows(IllegalArgumentException.class, () -> channels.outbound(RaftPort.SERVER));
    }

    @Test
    void raftServersMustRunAsTabletStore() {
        assertThrows(
                IllegalArgumentException.class,
                () -> AttestedRaftChannels.forTabletStore(
                        ca.identity(Role.CLIENT), verifier, new PeerAddressBook(), Clock.systemUTC()));
    }

    @Test
    void bindPortsInsistsOnThreeDistinctFixedPortsAndAnExplicitHost() {
        RaftProperties properties = new RaftProperties();
        AttestedRaftChannels.bindPorts(properties, "127.0.0.1", 9001, 9002, 9003);
        assertEquals("127.0.0.1", GrpcConfigKeys.Server.host(properties));
        assertEquals(9001, GrpcConfigKeys.Server.port(properties));
        assertEquals(9002, GrpcConfigKeys.Client.port(properties));
        assertEquals(9003, GrpcConfigKeys.Admin.port(properties));
        assertEquals("127.0.0.1", GrpcConfigKeys.Admin.host(properties));
        // Port 0 for client or admin means "share the server port" to Ratis, not "ephemeral".
        assertThrows(
                IllegalArgumentException.class,
                () -> AttestedRaftChannels.bindPorts(properties, "127.0.0.1", 9001, 0, 9003));
        assertThrows(
                IllegalArgumentException.class,
                () -> AttestedRaftChannels.bindPorts(properties, "127.0.0.1", 9001, 9001, 9003));
        assertThrows(
                IllegalArgumentException.class, () -> AttestedRaftChannels.bindPorts(properties, "", 9001, 9002, 9003));
    }

    @Test
    void peerIdIsTheFullNodeId() {
        String nodeId = "0123456789abcdef".repeat(4);
        assertEquals(nodeId, AttestedRaftChannels.peerId(nodeId).toString());
        assertThrows(IllegalArgumentException.class, () -> AttestedRaftChannels.peerId("n1"));
        assertThrows(IllegalArgumentException.class, () -> AttestedRaftChannels.peerId(nodeId.toUpperCase()));
    }
}
