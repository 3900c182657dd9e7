package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Role;
import dev.ratchet.sector.server.SectorServer;
import dev.ratchet.sector.server.TestHooks;
import dev.ratchet.sector.server.WriterAuthority;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
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
 * <p>Without {@code --authority-key} the server starts unclaimed: it refuses writes until {@code
 * ratchet raft bootstrap} installs the new cluster's authority key, which is drawn at bootstrap and
 * so cannot exist yet when the servers start (see {@code SectorServer}).
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

    private static final List<Role> PEER_ROLES = List.of(Role.CACHE, Role.TABLET_STORE, Role.CLIENT);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT", description = "Address to serve on.")
    String listen;

    @Option(names = "--sectors", required = true, paramLabel = "N", description = "Sectors of 4096 bytes to hold.")
    long sectors;

    @Option(
            names = "--authority-key",
            paramLabel = "FILE",
            description = "PEM public key of the writer authority that signs authorized-writer sets. Without it"
                    + " the server starts unclaimed and 'ratchet raft bootstrap' installs the cluster's key.")
    Path authorityKeyFile;

    @Option(
            names = "--test-control",
            description = "INSECURE, chaos tests only, with --platform simulated: take RAM attacks (snapshot,"
                    + " rollback, corrupt) as commands on stdin.")
    boolean testControl;

    @CommandLine.Mixin
    PlatformOptions platformOptions;

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
        PublicKey authorityKey = authorityKeyFile == null ? null : readAuthorityKey();
        if (testControl && !"simulated".equals(platformOptions.platformName)) {
            throw usage("--test-control is for chaos tests on --platform simulated only");
        }
        Clock clock = Clock.systemUTC();
        PlatformOptions.Platform platform = platformOptions.platform(Role.SECTOR, PEER_ROLES, clock);
        TestHooks hooks = testControl ? TestHooks.enabled() : null;
        SectorServer server = start(platform, authorityKey, host, port, clock, hooks);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "sector-server-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("sector-server listening on " + host + ":" + server.port() + " node-id=" + server.nodeId());
        out.flush();
        if (hooks != null) {
            spec.commandLine()
                    .getErr()
                    .println("INSECURE: sector-server takes RAM attacks on stdin (--test-control); chaos tests only");
            spec.commandLine().getErr().flush();
            new SectorTestControl(hooks).serve(System.in, out);
        }
        if (authorityKey == null) {
            spec.commandLine()
                    .getErr()
                    .println("sector-server is unclaimed: it refuses writes until 'ratchet raft bootstrap' installs"
                            + " the cluster's authority key");
            spec.commandLine().getErr().flush();
        }
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        return 0;
    }

    private SectorServer start(
            PlatformOptions.Platform platform,
            PublicKey authorityKey,
            String host,
            int port,
            Clock clock,
            TestHooks hooks)
            throws IOException {
        try {
            SectorServer.Builder builder = SectorServer.builder(platform.identity(), platform.verifier());
            if (authorityKey != null) {
                builder.authorityKey(authorityKey);
            }
            if (hooks != null) {
                builder.testHooks(hooks);
            }
            return builder.listen(host, port)
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
