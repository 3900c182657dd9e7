package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.client.RatchetClient;
import dev.ratchet.client.RatchetException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * What the data commands ({@code put}, {@code get}, {@code cas}, {@code del}, {@code status},
 * {@code rebuild})
 * share: a client from {@link ClientOptions}, and one exit-code contract.
 *
 * <p>Exit codes: 0 done; 1 a negative answer ({@code not found}, a failed comparison); 2 a usage
 * error; 3 the cluster refused or could not be reached, printed as {@code error: <CODE>: <detail>}
 * with the SDK's {@code ErrorCode} (and a note when the write's outcome is unknown). Keys and
 * values are the arguments' UTF-8 bytes; values are printed as UTF-8.
 */
abstract class DataCommand implements Callable<Integer> {
    /** Exit code of a negative answer. */
    static final int EXIT_NEGATIVE = 1;

    /** Exit code of an error from the cluster or the way to it. */
    static final int EXIT_ERROR = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ClientOptions clientOptions;

    /** Runs the command against {@code client}, printing its answer; returns the exit code. */
    abstract int run(RatchetClient client, PrintWriter out, PrintWriter err);

    @Override
    public final Integer call() throws IOException, AttestationException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (RatchetClient client = clientOptions.client()) {
            return run(client, out, err);
        } catch (RatchetException e) {
            err.println(DataOutput.error(e.code().name(), e.detail(), e.outcomeUnknown()));
            return EXIT_ERROR;
        } catch (ClientOptions.NoEndpointException e) {
            err.println("error: " + e.getMessage());
            return EXIT_ERROR;
        } catch (IllegalArgumentException e) {
            // The SDK's own checks of an argument, such as an expectation it cannot express.
            err.println("error: " + e.getMessage());
            return RatchetCli.EXIT_USAGE;
        } catch (IllegalStateException e) {
            // The SDK reports a client it cannot set up (attested TLS) this way.
            err.println("error: " + e.getMessage());
            return EXIT_ERROR;
        } finally {
            out.flush();
            err.flush();
        }
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
