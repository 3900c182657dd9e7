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

/** {@code ratchet raft join}: adds a freshly started tablet-store node to the running group. */
@Command(
        name = "join",
        mixinStandardHelpOptions = true,
        description = "Add a freshly started tablet-store node; returns once it caught up and votes.")
final class RaftJoinCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--peer", required = true, paramLabel = "ID@HOST:S,C,A", description = "The fresh node.")
    String peerText;

    @Mixin
    GroupAccess group;

    @Override
    public Integer call() throws IOException, AttestationException {
        CommandLine line = spec.commandLine();
        RaftPeer joiner = RaftCommand.peers(line, "--peer", List.of(peerText)).get(0);
        RaftAdmin admin = group.admin();
        admin.join(joiner);
        RaftMembershipOutput.print(line, "joined " + joiner.getId(), admin.members());
        return 0;
    }
}
