package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.simulated.CodeMeasurement;
import dev.ratchet.raft.RaftAdmin;
import dev.ratchet.tablet.Proposals;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.proto.AuthorizedWritersQuery;
import dev.ratchet.tablet.proto.BootstrapResult;
import dev.ratchet.tablet.proto.Policy;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.QueryResult;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.RoleMeasurements;
import dev.ratchet.tablet.proto.SignedWriterSet;
import dev.ratchet.tablet.proto.SlotAssignment;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ratis.protocol.RaftPeer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ratchet raft bootstrap}: forms a new tablet-store group from freshly started nodes, then
 * submits the {@code Bootstrap} command with a fresh data key and authority key pair drawn here,
 * inside this attested tool, and finally claims every sector server of the array for the new
 * cluster: installs the authority public key (the servers start unclaimed) and the initial signed
 * writer set.
 *
 * <p>Prints {@code bootstrapped <n> members}, one {@code member ID@HOST:S,C,A} line each, then
 * one {@code sector ID@HOST:PORT claimed slot=<i>} line each. A sector server that another
 * authority already claimed fails the command (exit 1) with an {@code error:} line naming it: the
 * cluster exists, but that slot needs a fresh server.
 */
@Command(
        name = "bootstrap",
        mixinStandardHelpOptions = true,
        description = {
            "Form a new cluster from freshly started tablet-store nodes (3 or 5) and create its state:",
            "tablets, the K+M sector array and its sector servers, and the cache-node measurement policy."
        })
final class RaftBootstrapCommand implements Callable<Integer> {
    private static final Pattern GEOMETRY = Pattern.compile("(\\d{1,2})\\+(\\d{1,2})");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--peer",
            required = true,
            paramLabel = "ID@HOST:S,C,A",
            description = "A fresh tablet-store node; repeat for every member (3 or 5 is usual).")
    List<String> peerTexts;

    @Option(
            names = "--geometry",
            required = true,
            paramLabel = "K+M",
            description = "Erasure code: data+parity shards.")
    String geometry;

    @Option(names = "--tablets", required = true, paramLabel = "N", description = "Tablets splitting the ring evenly.")
    int tablets;

    @Option(names = "--stripes", required = true, paramLabel = "N", description = "Stripes (sectors per server).")
    long stripes;

    @Option(
            names = "--sector",
            required = true,
            paramLabel = "ID@HOST:PORT",
            description = "A sector server, in slot order; exactly K+M of them.")
    List<String> sectorTexts;

    @Option(
            names = "--cache-measurement",
            paramLabel = "HEX",
            description = "A cache-node measurement the cluster admits; repeatable. On the simulated"
                    + " platform this build's own is admitted too.")
    List<String> cacheMeasurements = new ArrayList<>();

    @Mixin
    PlatformOptions platformOptions;

    @Override
    public Integer call() throws IOException, AttestationException {
        CommandLine line = spec.commandLine();
        List<RaftPeer> peers = RaftCommand.peers(line, "--peer", peerTexts);
        Matcher shape = GEOMETRY.matcher(geometry);
        if (!shape.matches()) {
            throw new CommandLine.ParameterException(
                    line, "--geometry must be K+M, such as 4+2, not '" + geometry + "'");
        }
        int k = Integer.parseInt(shape.group(1));
        int m = Integer.parseInt(shape.group(2));
        if (sectorTexts.size() != k + m) {
            throw new CommandLine.ParameterException(
                    line, "a " + geometry + " array needs " + (k + m) + " --sector, not " + sectorTexts.size());
        }
        List<SlotAssignment> slots = slots(line);
        RaftCommand.Operator operator =
                RaftCommand.Operator.start(platformOptions, List.of(Role.TABLET_STORE, Role.SECTOR));
        Policy policy = policy();

        RaftAdmin admin = operator.admin(List.of());
        admin.bootstrap(peers);
        Result result;
        SignedWriterSet writers;
        try (TabletStoreClient client = operator.client(peers)) {
            result = client.submit(new Proposals().bootstrap(tablets, k, m, stripes, slots, policy));
            if (result.getBootstrap().getStatus() != BootstrapResult.Status.OK) {
                line.getErr().println("error: the group formed, but Bootstrap was refused: " + result);
                return 1;
            }
            writers = authorizedWriters(client);
        }
        PrintWriter out = line.getOut();
        out.println("bootstrapped " + peers.size() + " members");
        for (RaftPeer peer : admin.members()) {
            out.println("member " + RaftPeerAddress.format(peer));
        }
        out.flush();
        return claimSectors(operator, slots, writers, out, line.getErr()) ? 0 : 1;
    }

    private static SignedWriterSet authorizedWriters(TabletStoreClient client) throws IOException {
        QueryResult answer = client.query(Query.newBuilder()
                .setAuthorizedWriters(AuthorizedWritersQuery.getDefaultInstance())
                .build());
        if (answer.getStatus() != QueryResult.Status.OK || !answer.hasAuthorizedWriters()) {
            throw new IllegalStateException("the authorized-writers query after Bootstrap answered " + answer);
        }
        return answer.getAuthorizedWriters();
    }

    // Every slot is tried, so one run names every server that needs replacing.
    private static boolean claimSectors(
            RaftCommand.Operator operator,
            List<SlotAssignment> slots,
            SignedWriterSet writers,
            PrintWriter out,
            PrintWriter err) {
        boolean allClaimed = true;
        for (int i = 0; i < slots.size(); i++) {
            SlotAssignment slot = slots.get(i);
            try {
                SectorClaim.claim(operator, i, slot.getNodeId(), slot.getAddress(), writers);
                out.println("sector " + slot.getNodeId() + "@" + slot.getAddress() + " claimed slot=" + i);
            } catch (SectorClaim.ClaimException e) {
                err.println("error: " + e.getMessage());
                allClaimed = false;
            }
            out.flush();
        }
        err.flush();
        return allClaimed;
    }

    private List<SlotAssignment> slots(CommandLine line) {
        List<SlotAssignment> slots = new ArrayList<>();
        for (String text : sectorTexts) {
            int at = text.indexOf('@');
            int colon = text.lastIndexOf(':');
            if (at <= 0 || colon <= at + 1 || !text.substring(colon + 1).matches("\\d{1,5}")) {
                throw new CommandLine.ParameterException(line, "--sector must be ID@HOST:PORT, not '" + text + "'");
            }
            slots.add(SlotAssignment.newBuilder()
                    .setNodeId(text.substring(0, at))
                    .setAddress(text.substring(at + 1))
                    .build());
        }
        return slots;
    }

    private Policy policy() {
        RoleMeasurements.Builder cache =
                RoleMeasurements.newBuilder().setRole(dev.ratchet.tablet.proto.Role.ROLE_CACHE);
        List<String> measurements = new ArrayList<>(cacheMeasurements);
        if (platformOptions.simulated()) {
            measurements.add(CodeMeasurement.ofRunningCode().hexForRole(Role.CACHE));
        }
        measurements.stream().distinct().sorted().forEach(cache::addMeasurementsHex);
        return Policy.newBuilder().addRoles(cache).build();
    }
}
