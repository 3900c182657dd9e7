package dev.ratchet.deploy;

import dev.ratchet.client.RatchetClient;
import dev.ratchet.client.VersionedValue;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ratchet get KEY [-v]}: prints the value (with {@code -v}, a tab and {@code version=<v>}). */
@Command(
        name = "get",
        mixinStandardHelpOptions = true,
        description = {
            "Print KEY's value (linearizable). Exit 0 found, 1 not found ('not found' on stderr), 2 usage error,"
                    + " 3 cluster error."
        })
final class GetCommand extends DataCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Option(
            names = {"-v", "--with-version"},
            description = "Also print the version: VALUE<tab>version=<v>.")
    boolean withVersion;

    @Override
    int run(RatchetClient client, PrintWriter out, PrintWriter err) {
        Optional<VersionedValue> value = client.get(utf8(key));
        if (value.isEmpty()) {
            err.println("not found");
            return EXIT_NEGATIVE;
        }
        out.println(DataOutput.value(value.get(), withVersion));
        return 0;
    }
}
