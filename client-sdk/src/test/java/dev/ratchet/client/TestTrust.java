package dev.ratchet.client;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.AttestationPolicy;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import dev.ratchet.attestation.simulated.CodeMeasurement;
import dev.ratchet.attestation.simulated.SimulatedProvider;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A test fixture: one simulated cluster CA, fake cache nodes on it, and clients that trust exactly
 * its cache measurement; closes everything it made.
 */
final class TestTrust implements AutoCloseable {
    static final Clock CLOCK = Clock.systemUTC();

    private final TestClusterCa cluster = new TestClusterCa(CLOCK);
    private final List<AutoCloseable> opened = new ArrayList<>();

    /** Returns a verifier, as a client would hold, that admits only this cluster's cache measurement. */
    AttestationVerifier cacheVerifier() {
        AttestationPolicy policy = AttestationPolicy.builder()
                .allowSimulated(true)
                .allowMeasurement(Role.CACHE, cluster.measurement().forRole(Role.CACHE))
                .build();
        return cluster.verifier(policy);
    }

    NodeIdentity identity(Role role) {
        return cluster.identity(role);
    }

    /** Returns an identity of {@code role} whose code is not this cluster's. */
    NodeIdentity foreignCodeIdentity(Role role) {
        byte[] digest = new byte[48];
        Arrays.fill(digest, (byte) 7);
        try {
            return NodeIdentity.generate(
                    role, SimulatedProvider.create(cluster.ca(), CodeMeasurement.ofCodeDigest(digest), CLOCK), CLOCK);
        } catch (AttestationException e) {
            throw new AssertionError(e);
        }
    }

    /** Starts a well-behaved fake cache node. */
    FakeKvServer startServer() {
        return startServer(identity(Role.CACHE));
    }

    /** Starts a fake cache node presenting {@code identity}. */
    FakeKvServer startServer(NodeIdentity identity) {
        return track(FakeKvServer.start(identity, cluster.verifier(), CLOCK));
    }

    /** Returns a builder trusting this cluster, with fast, seeded backoff and no endpoints yet. */
    RatchetClient.Builder clientBuilder() {
        return RatchetClient.builder()
                .identity(identity(Role.CLIENT))
                .verifier(cacheVerifier())
                .clock(CLOCK)
                .requestTimeout(Duration.ofSeconds(10))
                .initialBackoff(Duration.ofMillis(1))
                .maxBackoff(Duration.ofMillis(5))
                .random(new Random(42));
    }

    /** Returns a client of {@code servers}, in that order, closed with this fixture. */
    RatchetClient client(FakeKvServer... servers) {
        RatchetClient.Builder builder = clientBuilder();
        for (FakeKvServer server : servers) {
            builder.endpoint(server.endpoint());
        }
        return track(builder.build());
    }

    <T extends AutoCloseable> T track(T resource) {
        opened.add(resource);
        return resource;
    }

    /** Closes everything this fixture made, newest first (clients before the servers they use). */
    @Override
    public void close() {
        AssertionError failure = null;
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new AssertionError("cannot close a test resource", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
