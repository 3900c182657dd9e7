package dev.ratchet.deploy;

import com.google.protobuf.ByteString;
import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Role;
import dev.ratchet.client.RatchetClient;
import dev.ratchet.client.RatchetException;
import dev.ratchet.client.proto.RebuildStatus;
import dev.ratchet.client.proto.StatusResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ratchet rebuild SLOT --server ID@HOST:PORT}: claims the fresh sector server for the
 * cluster (installs the authority key, which every cache node's Status carries), asks a cache node
 * to rebuild the DEAD slot onto it, and shows a progress bar on stderr, read from the store's
 * record of the rebuild through Status, until the slot is LIVE.
 *
 * <p>Role client today: operators and applications share it until the trust issue separates them
 * (ARCHITECTURE.md, "Cache node").
 */
@Command(
        name = "rebuild",
        mixinStandardHelpOptions = true,
        description = {
            "Rebuild the DEAD slot SLOT onto a fresh sector server (started with 'ratchet sector-server', unclaimed or"
                    + " with this cluster's authority key): claims it, copies every live stripe onto it, and"
                    + " shows progress until the slot is LIVE. Prints 'rebuilt slot <i> onto <id>: <n> stripes'.",
            "Exit 0 done, 2 usage error, 3 refused (REBUILD_REFUSED: the slot is not DEAD, the server's identity is"
                    + " dead or seated) or failed (the slot is DEAD again: start another fresh server)."
        })
final class RebuildCommand extends DataCommand {
    /** How often the progress bar re-reads Status while the rebuild runs: 500 ms. */
    static final long POLL_MILLIS = 500;

    private static final Pattern SERVER = Pattern.compile("([0-9a-f]{64})@(\\S+:\\d{1,5})");

    @Parameters(index = "0", paramLabel = "SLOT", description = "The DEAD slot's index.")
    int slot;

    @Option(
            names = "--server",
            required = true,
            paramLabel = "ID@HOST:PORT",
            description = "The fresh sector server: its node id (as its ready line prints it) and address.")
    String server;

    @Option(
            names = "--timeout-seconds",
            paramLabel = "S",
            description = "Longest wait for the rebuild to finish (default: ${DEFAULT-VALUE}); it goes on if this"
                    + " command stops waiting, and 'ratchet status' shows it.")
    long timeoutSeconds = 3600;

    @Override
    int run(RatchetClient client, PrintWriter out, PrintWriter err) {
        Matcher parsed = SERVER.matcher(server);
        if (!parsed.matches()) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--server must be ID@HOST:PORT with a 64-hex-digit node id, not '" + server + "'");
        }
        if (slot < 0 || timeoutSeconds < 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "SLOT must be >= 0 and --timeout-seconds >= 1");
        }
        String nodeId = parsed.group(1);
        String address = parsed.group(2);
        StatusResponse before = client.status();
        ByteString authority = before.getAuthorityPublicKeySpki();
        if (authority.isEmpty()) {
            err.println("error: the cache node did not say the cluster's authority key; is it older than this tool?");
            return EXIT_ERROR;
        }
        try {
            SectorClaim.claimReplacement(operator(), slot, nodeId, address, authority);
        } catch (SectorClaim.ClaimException | IOException | AttestationException e) {
            err.println("error: " + e.getMessage());
            return EXIT_ERROR;
        }
        CompletableFuture<RebuildStatus> rebuild =
                client.rebuildSlotAsync(slot, nodeId, address, Duration.ofSeconds(timeoutSeconds));
        ProgressLine bar = new ProgressLine(err, System.console() != null);
        while (true) {
            try {
                RebuildStatus done = rebuild.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                bar.show(DataOutput.rebuildBar(done));
                bar.end();
                out.println(DataOutput.rebuilt(done, nodeId));
                return 0;
            } catch (TimeoutException e) {
                progressOf(client).ifPresent(now -> bar.show(DataOutput.rebuildBar(now)));
            } catch (ExecutionException e) {
                bar.end();
                if (e.getCause() instanceof RatchetException ratchet) {
                    throw ratchet;
                }
                throw new IllegalStateException("the rebuild failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                bar.end();
                err.println("error: interrupted; the rebuild goes on, and 'ratchet status' shows it");
                return EXIT_ERROR;
            }
        }
    }

    /** This slot's rebuild as Status shows it now, or empty if Status did not answer or has none yet. */
    private Optional<RebuildStatus> progressOf(RatchetClient client) {
        try {
            return client.status().getRebuildsList().stream()
                    .filter(rebuild -> rebuild.getSlotIndex() == slot)
                    .findFirst();
        } catch (RatchetException e) {
            return Optional.empty(); // the bar waits for the next poll
        }
    }

    private RaftCommand.Operator operator() throws IOException, AttestationException {
        return new RaftCommand.Operator(
                clientOptions.operatorPlatform(List.of(Role.CACHE, Role.SECTOR)), Clock.systemUTC());
    }

    /**
     * A progress line on stderr: redrawn in place on a terminal, else printed only when it
     * changes, so a log keeps one line per step.
     */
    private static final class ProgressLine {
        private final PrintWriter err;
        private final boolean terminal;
        private String shown = "";

        ProgressLine(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        void show(String line) {
            if (line.equals(shown)) {
                return;
            }
            shown = line;
            if (terminal) {
                err.print("\r" + line);
            } else {
                err.println(line);
            }
            err.flush();
        }

        void end() {
            if (terminal && !shown.isEmpty()) {
                err.println();
                err.flush();
            }
        }
    }
}
