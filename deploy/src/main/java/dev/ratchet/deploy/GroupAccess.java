package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.raft.RaftAdmin;
import java.io.IOException;
import java.util.List;
import org.apache.ratis.protocol.RaftPeer;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options every membership command of a running group shares: the live members to reach it
 * through ({@code --via}) and the attestation options the operator tool runs with.
 */
final class GroupAccess {
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--via",
            required = true,
            paramLabel = "ID@HOST:S,C,A",
            description = "A live member of the group; repeat to try several.")
    List<String> viaTexts;

    @Mixin
    PlatformOptions platformOptions;

    /** Returns an attested operator tool for the group. */
    RaftCommand.Operator operator() throws IOException, AttestationException {
        return RaftCommand.Operator.start(platformOptions);
    }

    /** Returns the {@code --via} members, parsed; a malformed one is a usage error. */
    List<RaftPeer> via() {
        return RaftCommand.peers(spec.commandLine(), "--via", viaTexts);
    }

    /** Returns an admin client of the group, reached through {@code --via}. */
    RaftAdmin admin() throws IOException, AttestationException {
        return operator().admin(via());
    }
}
