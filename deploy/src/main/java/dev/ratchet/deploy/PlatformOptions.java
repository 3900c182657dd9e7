package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.AttestationPolicy;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.sevsnp.ConfigFsTsmProvider;
import dev.ratchet.attestation.sevsnp.SevSnpVerifier;
import dev.ratchet.attestation.simulated.CodeMeasurement;
import dev.ratchet.attestation.simulated.SimulatedCa;
import dev.ratchet.attestation.simulated.SimulatedProvider;
import dev.ratchet.attestation.simulated.SimulatedVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The attestation options shared by the sector-server, tablet-store and raft commands: where this process's
 * evidence comes from and which peer measurements it accepts.
 *
 * <p>On the simulated platform (INSECURE, needs {@code --allow-simulated}) this build's own code
 * measurement is allowed for each peer role, as every process of a one-machine cluster runs the
 * same jars; {@code --allow-measurement} adds more. On sev-snp only {@code --allow-measurement}
 * values are allowed.
 */
final class PlatformOptions {
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--platform",
            required = true,
            paramLabel = "simulated|sev-snp",
            description = "Where this process's evidence comes from.")
    String platformName;

    @Option(
            names = "--sim-ca",
            paramLabel = "DIR",
            description = "Directory of the local simulated CA (default: ${DEFAULT-VALUE}).")
    Path simulatedCaDirectory = DevelopmentDefaults.simulatedCaDirectory();

    @Option(
            names = "--allow-simulated",
            description = "Run on, and accept peers from, the INSECURE simulated platform.")
    boolean allowSimulated;

    @Option(
            names = "--allow-measurement",
            paramLabel = "ROLE=HEX",
            description = "Also allow this measurement for a peer role (tablet-store, cache or client); repeatable.")
    List<String> extraMeasurements = new ArrayList<>();

    /** The identity a process runs as and the verifier it checks peers with. */
    record Platform(NodeIdentity identity, AttestationVerifier verifier) {}

    /** Returns an identity of {@code role} and a verifier accepting {@code peerRoles}. */
    Platform platform(Role role, List<Role> peerRoles, Clock clock) throws IOException, AttestationException {
        AttestationPolicy.Builder policy = AttestationPolicy.builder();
        addExtraMeasurements(policy);
        if ("simulated".equals(platformName)) {
            if (!allowSimulated) {
                throw usage("--platform simulated is INSECURE (no TEE protects anything); pass --allow-simulated");
            }
            SimulatedCa ca = SimulatedCa.loadOrCreate(simulatedCaDirectory, clock);
            CodeMeasurement measurement = CodeMeasurement.ofRunningCode();
            for (Role peer : peerRoles) {
                policy.allowMeasurement(peer, measurement.forRole(peer));
            }
            NodeIdentity identity =
                    NodeIdentity.generate(role, SimulatedProvider.create(ca, measurement, clock), clock);
            AttestationVerifier verifier = new AttestationVerifier(
                    policy.allowSimulated(true).build(), List.of(new SimulatedVerifier(List.of(ca.certificate()))));
            return new Platform(identity, verifier);
        }
        if ("sev-snp".equals(platformName)) {
            if (extraMeasurements.isEmpty()) {
                throw usage("--platform sev-snp needs at least one --allow-measurement for its peers");
            }
            if (!Files.isDirectory(ConfigFsTsmProvider.DEFAULT_ROOT)) {
                throw new IllegalStateException(ConfigFsTsmProvider.DEFAULT_ROOT
                        + " is missing: this is not an SEV-SNP guest with configfs-tsm (Linux 6.7+, configfs mounted)");
            }
            NodeIdentity identity = NodeIdentity.generate(role, new ConfigFsTsmProvider(), clock);
            return new Platform(identity, new AttestationVerifier(policy.build(), List.of(new SevSnpVerifier())));
        }
        throw usage("--platform must be simulated or sev-snp, not '" + platformName + "'");
    }

    /** Returns whether the platform is the simulated one; valid after {@link #platform}. */
    boolean simulated() {
        return "simulated".equals(platformName);
    }

    private void addExtraMeasurements(AttestationPolicy.Builder policy) {
        for (String entry : extraMeasurements) {
            int equals = entry.indexOf('=');
            if (equals <= 0) {
                throw usage("--allow-measurement must be ROLE=HEX, not '" + entry + "'");
            }
            try {
                Role role = Role.fromWireName(entry.substring(0, equals));
                policy.allowMeasurement(role, entry.substring(equals + 1));
            } catch (IllegalArgumentException e) {
                throw usage("--allow-measurement " + entry + ": " + e.getMessage());
            }
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
