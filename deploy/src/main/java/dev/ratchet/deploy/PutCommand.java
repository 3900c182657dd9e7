package dev.ratchet.deploy;

import dev.ratchet.client.RatchetClient;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ratchet put KEY VALUE}: sets a key; prints {@code version=<v>}. */
@Command(
        name = "put",
        mixinStandardHelpOptions = true,
        description = "Set KEY to VALUE; prints version=<v>. Exit 0 done, 2 usage error, 3 cluster error.")
final class PutCommand extends DataCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Override
    int run(RatchetClient client, PrintWriter out, PrintWriter err) {
        out.println(DataOutput.version(client.put(utf8(key), utf8(value))));
        return 0;
    }
}
