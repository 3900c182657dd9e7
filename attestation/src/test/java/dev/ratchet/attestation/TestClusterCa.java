package dev.ratchet.attestation;

import dev.ratchet.attestation.simulated.CodeMeasurement;
import dev.ratchet.attestation.simulated.SimulatedCa;
import dev.ratchet.attestation.simulated.SimulatedProvider;
import dev.ratchet.attestation.simulated.SimulatedVerifier;
import java.time.Clock;
import java.util.List;

/**
 * A test fixture: one simulated CA and code measurement shared by the identities of a test, with
 * helpers to make identities and verifiers. Shared with other modules through the test-jar.
 */
public final class TestClusterCa {
    private final Clock clock;
    private final SimulatedCa ca;
    private final CodeMeasurement measurement;

    /** Creates a fixture whose CA and certificates are valid from {@code clock}'s now. */
    public TestClusterCa(Clock clock) {
        this.clock = clock;
        this.ca = SimulatedCa.create(clock);
        this.measurement = CodeMeasurement.ofCodeDigest(new byte[48]);
    }

    /** Returns the simulated CA. */
    public SimulatedCa ca() {
        return ca;
    }

    /** Returns the measurement identities of this fixture report. */
    public CodeMeasurement measurement() {
        return measurement;
    }

    /** Returns a provider on a fresh simulated machine. */
    public SimulatedProvider provider() {
        return SimulatedProvider.create(ca, measurement, clock);
    }

    /** Returns a new identity for {@code role}. */
    public NodeIdentity identity(Role role) {
        try {
            return NodeIdentity.generate(role, provider(), clock);
        } catch (AttestationException e) {
            throw new AssertionError(e);
        }
    }

    /** Returns a policy that allows simulated evidence and this fixture's measurement for every role. */
    public AttestationPolicy.Builder policy() {
        AttestationPolicy.Builder builder = AttestationPolicy.builder().allowSimulated(true);
        for (Role role : Role.values()) {
            builder.allowMeasurement(role, measurement.forRole(role));
        }
        return builder;
    }

    /** Returns a verifier with {@link #policy()} that trusts this fixture's CA. */
    public AttestationVerifier verifier() {
        return verifier(policy().build());
    }

    /** Returns a verifier with the given policy that trusts this fixture's CA. */
    public AttestationVerifier verifier(AttestationPolicy policy) {
        return new AttestationVerifier(policy, List.of(new SimulatedVerifier(List.of(ca.certificate()))));
    }
}
