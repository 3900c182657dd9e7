package dev.ratchet.bench;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.AttestationPolicy;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.simulated.CodeMeasurement;
import dev.ratchet.attestation.simulated.SimulatedCa;
import dev.ratchet.attestation.simulated.SimulatedProvider;
import dev.ratchet.attestation.simulated.SimulatedVerifier;
import java.time.Clock;
import java.util.List;

/**
 * The attestation setup of the load generators: a simulated TEE CA, one code measurement allowed
 * for every role, the verifier that accepts exactly that, and identities attested by it.
 * INSECURE: the simulated platform proves nothing; it exercises the same TLS and checks.
 */
final class SimulatedTrust {
    private final Clock clock;
    private final SimulatedCa ca;
    private final CodeMeasurement measurement;
    private final AttestationVerifier verifier;

    private SimulatedTrust(Clock clock) {
        this.clock = clock;
        this.ca = SimulatedCa.create(clock);
        this.measurement = CodeMeasurement.ofCodeDigest(new byte[48]);
        AttestationPolicy.Builder policy = AttestationPolicy.builder().allowSimulated(true);
        for (Role role : Role.values()) {
            policy.allowMeasurement(role, measurement.forRole(role));
        }
        this.verifier =
                new AttestationVerifier(policy.build(), List.of(new SimulatedVerifier(List.of(ca.certificate()))));
    }

    /** Returns a fresh simulated platform on the system clock. */
    static SimulatedTrust create() {
        return new SimulatedTrust(Clock.systemUTC());
    }

    /** Returns the clock that judges evidence and certificates. */
    Clock clock() {
        return clock;
    }

    /** Returns the verifier that accepts this platform's identities of every role. */
    AttestationVerifier verifier() {
        return verifier;
    }

    /** Returns a fresh identity of {@code role}, attested by the simulated platform. */
    NodeIdentity identity(Role role) throws AttestationException {
        return NodeIdentity.generate(role, SimulatedProvider.create(ca, measurement, clock), clock);
    }
}
