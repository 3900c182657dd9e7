package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.raft.RaftAdmin;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.ratis.protocol.RaftPeer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ratchet raft replace}: swaps a dead member for a freshly started node in one change. */
@Command(
        name = "replace",
        mixinStandardHelpOptions = true,
        description = {
            "Replace a dead member with a freshly started node, in one configuration change.",
            "A new node at the dead one's address needs 'remove' first."
        })
final class RaftReplaceCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dead", required = true, paramLabel = "ID", description = "The node id leaving the group.")
    String deadNodeId;

    @Option(names = "--peer", required = true, paramLabel = "ID@HOST:S,C,A", description = "The fresh node.")
    String peerText;

    @Mixin
    GroupAccess group;

    @Override
    public Integer call() throws IOException, AttestationException {
        CommandLine line = spec.commandLine();
        RaftPeer joiner = RaftCommand.peers(line, "--peer", List.of(peerText)).get(0);
        RaftAdmin admin = group.admin();
        try {
            admin.replace(deadNodeId, joiner);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(line, "--dead " + e.getMessage());
        }
        RaftMembershipOutput.print(line, "replaced " + deadNodeId + " with " + joiner.getId(), admin.members());
        return 0;
    }
}
