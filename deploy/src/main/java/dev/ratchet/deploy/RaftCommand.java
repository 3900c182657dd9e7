package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Role;
import dev.ratchet.raft.RaftAdmin;
import dev.ratchet.raft.RaftGroupClient;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.TabletStoreNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.ratis.protocol.RaftPeer;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ratchet raft}: the operator's membership commands for the tablet store's Raft group,
 * each a thin shell over {@link RaftAdmin}.
 *
 * <p>The tool runs as an attested process of role client and checks that every node it calls
 * proves the node id the operator named. Nodes are named {@code ID@HOST:SERVER,CLIENT,ADMIN}, as
 * their ready lines print them. Exit codes: 0 done, 1 the group refused or could not be reached,
 * 2 a usage error.
 */
@Command(
        name = "raft",
        mixinStandardHelpOptions = true,
        description = {
            "Form and change the tablet store's Raft group. Nodes are ID@HOST:SERVER,CLIENT,ADMIN,"
                    + " as 'ratchet tablet-store' prints them.",
            "Losing a majority of members ends the cluster: no command here can bring it back."
        },
        subcommands = {
            RaftBootstrapCommand.class,
            RaftJoinCommand.class,
            RaftRemoveCommand.class,
            RaftReplaceCommand.class,
            RaftMembersCommand.class
        })
final class RaftCommand implements Runnable {
    /** Peers an admin tool verifies: only tablet-store nodes answer its calls. */
    private static final List<Role> PEER_ROLES = List.of(Role.TABLET_STORE);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** Parses node arguments, turning a bad one into a usage error naming {@code option}. */
    static List<RaftPeer> peers(CommandLine commandLine, String option, Collection<String> texts) {
        List<RaftPeer> peers = new ArrayList<>();
        for (String text : texts) {
            try {
                peers.add(RaftPeerAddress.parse(text));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(commandLine, option + " " + e.getMessage());
            }
        }
        return peers;
    }

    /** The attested operator tool: an admin of the group and, on demand, a client of it. */
    record Operator(PlatformOptions.Platform platform, Clock clock) {
        static Operator start(PlatformOptions options) throws IOException, AttestationException {
            return start(options, PEER_ROLES);
        }

        /** Starts a tool that also verifies {@code peerRoles} (bootstrap talks to sector servers too). */
        static Operator start(PlatformOptions options, List<Role> peerRoles) throws IOException, AttestationException {
            Clock clock = Clock.systemUTC();
            return new Operator(options.platform(Role.CLIENT, peerRoles, clock), clock);
        }

        RaftAdmin admin(Collection<RaftPeer> knownMembers) {
            return TabletStoreNode.admin(platform.identity(), platform.verifier(), clock, knownMembers);
        }

        TabletStoreClient client(Collection<RaftPeer> members) {
            return new TabletStoreClient(
                    RaftGroupClient.builder(platform.identity(), platform.verifier(), TabletStoreNode.GROUP_ID, members)
                            .clock(clock)
                            // A fresh group elects its first leader within a few election timeouts.
                            .requestTimeout(Duration.ofSeconds(5))
                            .attempts(15, Duration.ofMillis(200), Duration.ofSeconds(2))
                            .build());
        }
    }
}
