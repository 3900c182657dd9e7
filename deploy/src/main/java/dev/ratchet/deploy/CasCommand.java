package dev.ratchet.deploy;

import dev.ratchet.client.CasResult;
import dev.ratchet.client.Expectation;
import dev.ratchet.client.RatchetClient;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ratchet cas KEY (--expect-version V | --expect-value X | --expect-absent) VALUE}: sets a
 * key if its current state meets the expectation. Prints {@code version=<v>}; a failed comparison
 * prints {@code cas failed: current version=<v>} (or {@code current absent}) and exits 1.
 */
@Command(
        name = "cas",
        mixinStandardHelpOptions = true,
        description = {
            "Compare and set: set KEY to VALUE only if KEY is at version V, has value X, or is absent.",
            "Prints version=<v>; a failed comparison prints 'cas failed: current version=<v>' (or 'current absent')"
                    + " and exits 1. Exit 2 usage error, 3 cluster error."
        })
final class CasCommand extends DataCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @ArgGroup(exclusive = true, multiplicity = "1")
    ExpectationOptions expectation;

    /** Exactly one expectation. */
    static final class ExpectationOptions {
        @Option(names = "--expect-version", paramLabel = "V", description = "KEY exists at exactly version V.")
        Long version;

        @Option(names = "--expect-value", paramLabel = "X", description = "KEY exists with exactly value X.")
        String value;

        @Option(names = "--expect-absent", description = "KEY does not exist.")
        boolean absent;
    }

    @Override
    int run(RatchetClient client, PrintWriter out, PrintWriter err) {
        CasResult result = client.compareAndSet(utf8(key), expectation(), utf8(value));
        if (!result.succeeded()) {
            out.println(DataOutput.casFailed(result));
            return EXIT_NEGATIVE;
        }
        out.println(DataOutput.version(result.version()));
        return 0;
    }

    private Expectation expectation() {
        if (expectation.version != null) {
            if (expectation.version < 1) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--expect-version must be a version >= 1, not " + expectation.version);
            }
            return Expectation.version(expectation.version);
        }
        if (expectation.value != null) {
            return Expectation.value(utf8(expectation.value));
        }
        return Expectation.absent();
    }
}
