package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.simulated.CodeMeasurement;
import dev.ratchet.attestation.simulated.SimulatedCa;
import dev.ratchet.attestation.simulated.SimulatedProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ratchet attest identity}: makes a fresh simulated identity and prints its node id and
 * evidence, for development.
 *
 * <p>INSECURE by construction: the evidence is signed by the local simulated CA, which it creates
 * on first use. The private key is discarded when the command exits, as a real node's would be
 * at shutdown.
 */
@Command(
        name = "identity",
        mixinStandardHelpOptions = true,
        description = "Print a fresh INSECURE simulated identity: node id and evidence (hex).")
final class AttestIdentityCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--role",
            required = true,
            paramLabel = "ROLE",
            description = "tablet-store, cache, sector or client.")
    String roleName;

    @Option(
            names = "--sim-ca",
            paramLabel = "DIR",
            description = "Directory of the local simulated CA (default: ${DEFAULT-VALUE}).")
    Path simulatedCaDirectory = DevelopmentDefaults.simulatedCaDirectory();

    @Option(names = "--evidence-out", paramLabel = "FILE", description = "Also write the evidence (hex) to FILE.")
    Path evidenceOut;

    @Override
    public Integer call() throws IOException, AttestationException {
        Role role;
        try {
            role = Role.fromWireName(roleName);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Clock clock = Clock.systemUTC();
        SimulatedCa ca = SimulatedCa.loadOrCreate(simulatedCaDirectory, clock);
        CodeMeasurement measurement = CodeMeasurement.ofRunningCode();
        NodeIdentity identity = NodeIdentity.generate(role, SimulatedProvider.create(ca, measurement, clock), clock);
        String evidenceHex = HexFormat.of().formatHex(identity.evidence().encode());
        PrintWriter out = spec.commandLine().getOut();
        out.println("node-id " + identity.nodeId());
        out.println("role " + role);
        out.println("platform simulated (INSECURE: not a hardware TEE)");
        out.println("measurement " + measurement.hexForRole(role));
        out.println("simulated-ca " + SimulatedCa.certificateFile(simulatedCaDirectory));
        out.println("evidence " + evidenceHex);
        out.flush();
        if (evidenceOut != null) {
            Files.writeString(evidenceOut, evidenceHex + "\n", StandardCharsets.US_ASCII);
        }
        return 0;
    }
}
