package dev.ratchet.deploy;

import dev.ratchet.client.RatchetClient;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code ratchet status}: the cluster as a cache node sees it: Raft members, tablets, array health. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Print the cluster's state as a cache node sees it: Raft members (leader marked), tablets (id, version,"
                    + " keys, bytes), and the sector array (geometry, slots LIVE/DEAD/REBUILDING, degraded, rebuilds).",
            "Exit 0 done, 2 usage error, 3 cluster error."
        })
final class StatusCommand extends DataCommand {
    @Override
    int run(RatchetClient client, PrintWriter out, PrintWriter err) {
        DataOutput.status(client.status()).forEach(out::println);
        return 0;
    }
}
