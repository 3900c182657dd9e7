package dev.ratchet.deploy;

import dev.ratchet.client.RatchetClient;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ratchet del KEY}: removes a key; prints {@code deleted}, or {@code not found} and exits 1. */
@Command(
        name = "del",
        mixinStandardHelpOptions = true,
        description = "Delete KEY; prints 'deleted'. Exit 0 deleted, 1 not found, 2 usage error, 3 cluster error.")
final class DelCommand extends DataCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Override
    int run(RatchetClient client, PrintWriter out, PrintWriter err) {
        if (!client.delete(utf8(key))) {
            err.println("not found");
            return EXIT_NEGATIVE;
        }
        out.println("deleted");
        return 0;
    }
}
