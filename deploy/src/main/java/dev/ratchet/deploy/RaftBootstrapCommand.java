package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.simulated.CodeMeasurement;
import dev.ratchet.raft.RaftAdmin;
import dev.ratchet.tablet.Proposals;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.proto.Policy;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.RoleMeasurements;
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
 * inside this attested tool.
 *
 * <p>Prints {@code bootstrapped <n> members} and one {@code member ID@HOST:S,C,A} line each.
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
        RaftCommand.Operator operator = RaftCommand.Operator.start(platformOptions);
        Policy policy = policy();

        RaftAdmin admin = operator.admin(List.of());
        admin.bootstrap(peers);
        Result result;
        try (TabletStoreClient client = operator.client(peers)) {
            result = client.submit(new Proposals().bootstrap(tablets, k, m, stripes, slots, policy));
        }
        if (!"OK".equals(result.getBootstrap().getStatus().name())) {
            line.getErr().println("error: the group formed, but Bootstrap was refused: " + result);
            return 1;
        }
        PrintWriter out = line.getOut();
        out.println("bootstrapped " + peers.size() + " members");
        for (RaftPeer peer : admin.members()) {
            out.println("member " + RaftPeerAddress.format(peer));
        }
        out.flush();
        return 0;
    }

    private List<SlotAssignment> slots(CommandLine line) {
        List<SlotAssignment> slots = new ArrayList<>();
        for (String text : sectorTexts) {
            int at = text.indexOf('@');
            if (at <= 0 || at == text.length() - 1) {
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
