package dev.ratchet.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ratchet.attestation.AttestationPolicy;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.simulated.CodeMeasurement;
import dev.ratchet.attestation.simulated.SimulatedCa;
import dev.ratchet.attestation.simulated.SimulatedProvider;
import dev.ratchet.attestation.simulated.SimulatedVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The usage example of the README and of {@link RatchetClient}'s javadoc, verbatim, run against a
 * fake cache node that, like a local development cluster, attests with the simulated CA in {@code
 * simulatedCaDirectory} and this build's code measurement.
 */
class ReadmeExampleTest {
    @TempDir
    Path simulatedCaDirectory;

    private FakeKvServer cacheNode;
    private String endpoint;

    @BeforeEach
    void startDevelopmentCacheNode() throws Exception {
        Clock clock = Clock.systemUTC();
        SimulatedCa ca = SimulatedCa.loadOrCreate(simulatedCaDirectory, clock);
        CodeMeasurement measurement = CodeMeasurement.ofRunningCode();
        NodeIdentity identity =
                NodeIdentity.generate(Role.CACHE, SimulatedProvider.create(ca, measurement, clock), clock);
        AttestationVerifier clients = new AttestationVerifier(
                AttestationPolicy.builder()
                        .allowSimulated(true)
                        .allowMeasurement(Role.CLIENT, measurement.forRole(Role.CLIENT))
                        .build(),
                List.of(new SimulatedVerifier(List.of(ca.certificate()))));
        cacheNode = FakeKvServer.start(identity, clients, clock);
        endpoint = cacheNode.endpoint();
    }

    @AfterEach
    void checkWhatTheExampleDid() {
        cacheNode.close();
        List<String> methods = cacheNode.calls().stream()
                .map(FakeKvServer.Call::method)
                .filter(method -> !method.equals("Topology"))
                .toList();
        assertEquals(List.of("Put", "Get", "CompareAndSet", "Delete"), methods);
    }

    @Test
    void readmeExample() {
        try (RatchetClient client = RatchetClient.builder()
                .endpoint(endpoint) // a cache node, "host:port"
                .simulatedDevelopmentTrust(simulatedCaDirectory) // INSECURE: local development cluster only
                .build()) {
            byte[] key = "greeting".getBytes(StandardCharsets.UTF_8);
            long version = client.put(key, "hello".getBytes(StandardCharsets.UTF_8));
            VersionedValue stored = client.get(key).orElseThrow();
            CasResult swapped =
                    client.compareAndSet(key, Expectation.version(version), "hi".getBytes(StandardCharsets.UTF_8));
            boolean existed = client.delete(key);
            System.out.println(stored + " " + swapped + " existed=" + existed);
        }
    }
}
