package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Role;
import dev.ratchet.client.RatchetClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options every data command shares: which cache nodes to call, and how to trust them.
 *
 * <p>Endpoints: each {@code --endpoint HOST:PORT}, or else the local cluster's ({@link
 * LocalClusterEndpoints}, written by {@code ratchet up}). Trust: without {@code --platform}, the
 * INSECURE simulated development trust of the local cluster's CA ({@code --sim-ca}); with it, the
 * same flags as the server commands ({@link PlatformOptions}), this process attesting as role
 * client and accepting cache nodes.
 */
final class ClientOptions {
    /** Attempts per operation: the SDK's default, which rides out a cache node's restart or a leader change. */
    static final int MAX_ATTEMPTS = RatchetClient.DEFAULT_MAX_ATTEMPTS;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--endpoint",
            paramLabel = "HOST:PORT",
            description = "A cache node to call; repeatable (default: the local cluster's, from 'ratchet up').")
    List<String> endpoints = new ArrayList<>();

    @Option(
            names = "--platform",
            paramLabel = "simulated|sev-snp",
            description = "Where this client's evidence comes from (default: the local cluster's INSECURE simulated"
                    + " development trust).")
    String platformName;

    @Option(
            names = "--sim-ca",
            paramLabel = "DIR",
            description = "Directory of the local simulated CA (default: ${DEFAULT-VALUE}).")
    Path simulatedCaDirectory = DevelopmentDefaults.simulatedCaDirectory();

    @Option(
            names = "--allow-simulated",
            description = "With --platform simulated: run on, and accept cache nodes from, the INSECURE simulated"
                    + " platform.")
    boolean allowSimulated;

    @Option(
            names = "--allow-measurement",
            paramLabel = "ROLE=HEX",
            description = "With --platform: also allow this measurement for cache nodes (cache=HEX); repeatable.")
    List<String> extraMeasurements = new ArrayList<>();

    /** Thrown when there is nowhere to send a request. */
    static final class NoEndpointException extends Exception {
        private static final long serialVersionUID = 1L;

        NoEndpointException(String message) {
            super(message);
        }
    }

    /** Returns the endpoints to call: the options', or the local cluster's. */
    List<String> resolveEndpoints() throws IOException, NoEndpointException {
        if (!endpoints.isEmpty()) {
            return endpoints;
        }
        Path file = LocalClusterEndpoints.file(DevelopmentDefaults.home());
        List<String> local = LocalClusterEndpoints.read(file);
        if (local.isEmpty() || LocalClusterEndpoints.liveOwner(file).isEmpty()) {
            throw new NoEndpointException("no cluster: pass --endpoint HOST:PORT, or start a local one with"
                    + " 'ratchet up' (it writes " + file + ")");
        }
        return local;
    }

    /** Returns a client for the resolved endpoints with the chosen trust. */
    RatchetClient client() throws IOException, AttestationException, NoEndpointException {
        RatchetClient.Builder builder;
        try {
            builder = RatchetClient.builder().endpoints(resolveEndpoints()).maxAttempts(MAX_ATTEMPTS);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--endpoint: " + e.getMessage());
        }
        if (platformName == null) {
            return builder.simulatedDevelopmentTrust(simulatedCaDirectory).build();
        }
        PlatformOptions.Platform platform =
                platformOptions().platform(Role.CLIENT, List.of(Role.CACHE), Clock.systemUTC());
        return builder.identity(platform.identity())
                .verifier(platform.verifier())
                .build();
    }

    /**
     * Returns this tool's own identity and verifier, with the trust {@link #client()} uses,
     * accepting {@code peerRoles}: for an admin command that also talks to other servers (the
     * rebuild claims a fresh sector server). Without {@code --platform}, the local cluster's
     * INSECURE simulated trust, as for the client.
     */
    PlatformOptions.Platform operatorPlatform(List<Role> peerRoles) throws IOException, AttestationException {
        PlatformOptions options = platformOptions();
        if (platformName == null) {
            options.platformName = "simulated";
            options.allowSimulated = true;
        }
        return options.platform(Role.CLIENT, peerRoles, Clock.systemUTC());
    }

    // The server commands' flags, checked by the same code, reporting usage errors against this command.
    private PlatformOptions platformOptions() {
        PlatformOptions options = new PlatformOptions();
        options.spec = spec;
        options.platformName = platformName;
        options.simulatedCaDirectory = simulatedCaDirectory;
        options.allowSimulated = allowSimulated;
        options.extraMeasurements = extraMeasurements;
        return options;
    }
}
