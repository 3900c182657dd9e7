package dev.ratchet.deploy;

import java.io.PrintWriter;
import java.util.List;
import org.apache.ratis.protocol.RaftPeer;
import picocli.CommandLine;

/** What the membership commands print: a summary line, then one {@code member} line per member. */
final class RaftMembershipOutput {
    private RaftMembershipOutput() {}

    static void print(CommandLine line, String summary, List<RaftPeer> members) {
        PrintWriter out = line.getOut();
        out.println(summary);
        for (RaftPeer peer : members) {
            out.println("member " + RaftPeerAddress.format(peer));
        }
        out.flush();
    }
}
