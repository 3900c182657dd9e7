package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.raft.RaftAdmin;
import dev.ratchet.tablet.TabletStoreClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.ratis.protocol.RaftPeer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code ratchet raft members}: prints the group's members as a member reports them, one {@code
 * member ID@HOST:S,C,A} line each, then {@code leader ID}.
 */
@Command(
        name = "members",
        mixinStandardHelpOptions = true,
        description = "Print the members of the group and its leader.")
final class RaftMembersCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    GroupAccess group;

    @Override
    public Integer call() throws IOException, AttestationException {
        RaftCommand.Operator operator = group.operator();
        RaftAdmin admin = operator.admin(group.via());
        List<RaftPeer> members = admin.refresh();
        String leader;
        try (TabletStoreClient client = operator.client(members)) {
            leader = client.leader();
        }
        PrintWriter out = spec.commandLine().getOut();
        for (RaftPeer peer : members) {
            out.println("member " + RaftPeerAddress.format(peer));
        }
        out.println("leader " + leader);
        out.flush();
        return 0;
    }
}
