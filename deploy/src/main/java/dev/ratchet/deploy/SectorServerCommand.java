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
import dev.ratchet.sector.server.SectorServer;
import dev.ratchet.sector.server.WriterAuthority;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ratchet sector-server}: runs one sector server in the foreground until SIGTERM or SIGINT.
 *
 * <p>Output contract ({@code ratchet up} and tests wait for it): once serving, exactly one line
 * {@code sector-server listening on HOST:PORT node-id=<id>} on stdout, with the bound port (so
 * port 0 picks a free one). Logs go to stderr. A usage error exits 2, a failure to start exits 1.
 *
 * <p>Peers must attest role cache, tablet-store or client with an allowed measurement. On the
 * simulated platform (INSECURE, needs {@code --allow-simulated}) this build's own code measurement
 * is allowed for each of those roles, as every process of a one-machine cluster runs the same
 * jars; {@code --allow-measurement} adds more. On sev-snp only {@code --allow-measurement} values
 * are allowed, and evidence comes from configfs-tsm.
 */
@Command(
        name = "sector-server",
        mixinStandardHelpOptions = true,
        description = "Run a sector server: N 4096-byte sectors in RAM, served over attested gRPC.")
final class SectorServerCommand implements Callable<Integer> {
    /** An authority key file is one PEM public key; anything this large is not one. */
    static final long KEY_FILE_BYTES_MAX = 64 * 1024;

    private static final Role[] PEER_ROLES = {Role.CACHE, Role.TABLET_STORE, Role.CLIENT};

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT", description = "Address to serve on.")
    String listen;

    @Option(names = "--sectors", required = true, paramLabel = "N", description = "Sectors of 4096 bytes to hold.")
    long sectors;

    @Option(
            names = "--authority-key",
            required = true,
            paramLabel = "FILE",
            description = "PEM public key of the writer authority that signs authorized-writer sets.")
    Path authorityKeyFile;

    @Option(
            names = "--platform",
            required = true,
            paramLabel = "simulated|sev-snp",
            description = "Where this server's evidence comes from.")
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
            description = "Also allow this measurement for a peer role (cache, tablet-store or client); repeatable.")
    List<String> extraMeasurements = new ArrayList<>();

    @Override
    public Integer call() throws IOException, AttestationException {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw usage("--listen must be HOST:PORT, not '" + listen + "'");
        }
        String host = listen.substring(0, colon).replace("[", "").replace("]", "");
        int port = parsePort(listen.substring(colon + 1));
        if (sectors < 1 || sectors > SectorServer.CAPACITY_SECTORS_MAX) {
            throw usage("--sectors must be 1.." + SectorServer.CAPACITY_SECTORS_MAX + ", not " + sectors);
        }
        PublicKey authorityKey = readAuthorityKey();
        AttestationPolicy.Builder policy = AttestationPolicy.builder();
        addExtraMeasurements(policy);
        Clock clock = Clock.systemUTC();
        Platform platform = platform(policy, clock);
        SectorServer server = start(platform, authorityKey, host, port, clock);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "sector-server-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("sector-server listening on " + host + ":" + server.port() + " node-id=" + server.nodeId());
        out.flush();
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        return 0;
    }

    /** The identity this server runs as and the verifier it checks peers with. */
    private record Platform(NodeIdentity identity, AttestationVerifier verifier) {}

    private Platform platform(AttestationPolicy.Builder policy, Clock clock) throws IOException, AttestationException {
        if ("simulated".equals(platformName)) {
            if (!allowSimulated) {
                throw usage("--platform simulated is INSECURE (no TEE protects anything); pass --allow-simulated");
            }
            SimulatedCa ca = SimulatedCa.loadOrCreate(simulatedCaDirectory, clock);
            CodeMeasurement measurement = CodeMeasurement.ofRunningCode();
            for (Role role : PEER_ROLES) {
                policy.allowMeasurement(role, measurement.forRole(role));
            }
            NodeIdentity identity =
                    NodeIdentity.generate(Role.SECTOR, SimulatedProvider.create(ca, measurement, clock), clock);
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
            NodeIdentity identity = NodeIdentity.generate(Role.SECTOR, new ConfigFsTsmProvider(), clock);
            return new Platform(identity, new AttestationVerifier(policy.build(), List.of(new SevSnpVerifier())));
        }
        throw usage("--platform must be simulated or sev-snp, not '" + platformName + "'");
    }

    private SectorServer start(Platform platform, PublicKey authorityKey, String host, int port, Clock clock)
            throws IOException {
        try {
            return SectorServer.builder(platform.identity(), platform.verifier(), authorityKey)
                    .listen(host, port)
                    .capacitySectors(sectors)
                    .clock(clock)
                    .start();
        } catch (OutOfMemoryError e) {
            // Only the one-time sector allocation is this large; say how to make room for it.
            throw new IllegalStateException(
                    "cannot allocate " + sectors + " sectors (" + sectors * SectorServer.SECTOR_BYTES
                            + " bytes) off-heap; raise -XX:MaxDirectMemorySize in RATCHET_JAVA_OPTS",
                    e);
        }
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

    private PublicKey readAuthorityKey() throws IOException {
        if (!Files.isRegularFile(authorityKeyFile) || Files.size(authorityKeyFile) > KEY_FILE_BYTES_MAX) {
            throw usage("--authority-key " + authorityKeyFile + " is not a PEM file of at most " + KEY_FILE_BYTES_MAX
                    + " bytes");
        }
        try {
            return WriterAuthority.parsePublicKeyPem(Files.readString(authorityKeyFile, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw usage("--authority-key " + authorityKeyFile + ": " + e.getMessage());
        }
    }

    private int parsePort(String text) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // Reported below with the same message as an out-of-range number.
        }
        throw usage("--listen port must be 0..65535, not '" + text + "'");
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
