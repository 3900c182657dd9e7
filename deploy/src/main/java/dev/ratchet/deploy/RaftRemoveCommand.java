package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.raft.RaftAdmin;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ratchet raft remove}: removes a member, typically a dead one, from the group. */
@Command(
        name = "remove",
        mixinStandardHelpOptions = true,
        description = "Remove a member (typically a dead node) while a majority is alive.")
final class RaftRemoveCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--node", required = true, paramLabel = "ID", description = "The node id to remove.")
    String nodeId;

    @Mixin
    GroupAccess group;

    @Override
    public Integer call() throws IOException, AttestationException {
        CommandLine line = spec.commandLine();
        RaftAdmin admin = group.admin();
        try {
            admin.remove(nodeId);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(line, "--node " + e.getMessage());
        }
        RaftMembershipOutput.print(line, "removed " + nodeId, admin.members());
        return 0;
    }
}
