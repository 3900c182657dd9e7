package dev.ratchet.client;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.AttestationPolicy;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.simulated.CodeMeasurement;
import dev.ratchet.attestation.simulated.SimulatedCa;
import dev.ratchet.attestation.simulated.SimulatedProvider;
import dev.ratchet.attestation.simulated.SimulatedVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The INSECURE trust of a local development cluster: a client identity and a cache-node verifier
 * on the simulated platform, from the cluster's local simulated CA.
 *
 * <p>It protects nothing: whoever can read the CA directory can forge any evidence. It admits this
 * build's own code measurement for role CACHE, as a one-machine cluster runs one build (the same
 * rule as the {@code ratchet} commands' {@code --allow-simulated}).
 */
final class DevelopmentTrust {
    private static final Logger log = LoggerFactory.getLogger(DevelopmentTrust.class);

    /** A client identity and the verifier of cache nodes. */
    record Trust(NodeIdentity identity, AttestationVerifier verifier) {}

    private DevelopmentTrust() {}

    static Trust simulated(Path simulatedCaDirectory, Clock clock) {
        log.warn(
                "INSECURE: RatchetClient uses simulated development trust from {}; no TEE protects anything, "
                        + "use only against a local development cluster",
                simulatedCaDirectory);
        SimulatedCa ca;
        try {
            ca = SimulatedCa.loadOrCreate(simulatedCaDirectory, clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the simulated CA in " + simulatedCaDirectory, e);
        }
        CodeMeasurement measurement = CodeMeasurement.ofRunningCode();
        AttestationPolicy policy = AttestationPolicy.builder()
                .allowSimulated(true)
                .allowMeasurement(Role.CACHE, measurement.forRole(Role.CACHE))
                .build();
        AttestationVerifier verifier =
                new AttestationVerifier(policy, List.of(new SimulatedVerifier(List.of(ca.certificate()))));
        try {
            NodeIdentity identity =
                    NodeIdentity.generate(Role.CLIENT, SimulatedProvider.create(ca, measurement, clock), clock);
            return new Trust(identity, verifier);
        } catch (AttestationException e) {
            throw new IllegalStateException("the simulated platform refused to attest a client identity", e);
        }
    }
}
