package dev.ratchet.bench;

import com.google.protobuf.ByteString;
import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.raft.RaftAdmin;
import dev.ratchet.raft.RaftGroupClient;
import dev.ratchet.raft.RaftNode;
import dev.ratchet.tablet.Proposals;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.TabletStoreNode;
import dev.ratchet.tablet.proto.ClaimTrim;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.CommitTablets;
import dev.ratchet.tablet.proto.CommitTabletsResult;
import dev.ratchet.tablet.proto.ConfirmTrimmed;
import dev.ratchet.tablet.proto.Policy;
import dev.ratchet.tablet.proto.RegisterCacheNode;
import dev.ratchet.tablet.proto.ReserveStripes;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.RoleMeasurements;
import dev.ratchet.tablet.proto.SlotAssignment;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletCommit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * A load generator, not part of the store: measures compare-and-commit throughput and latency on
 * a 3-node tablet-store group on loopback with attested TLS, all in this JVM.
 *
 * <p>Each submitter is a cache node that owns tablets of its own and loops: commit every owned
 * tablet from its current version to the next, in one {@code CommitTablets} entry ({@code
 * entries=single}: one tablet per entry; {@code entries=batched}: {@value ClosedLoop#BATCH_WRITES}
 * tablets per entry), each new blob in a freshly reserved stripe, as copy-on-write demands. A
 * submitter reserves {@value #RESERVE_CHUNK_STRIPES} stripes at a time and returns the stripes its
 * commits retired with {@code ClaimTrim} and {@code ConfirmTrimmed} (as a cache node does around zeroing them), so the
 * allocator never runs dry; those upkeep entries take log bandwidth but are neither counted as
 * writes nor timed. Commits go through {@link TabletStoreClient#submitAsync}, each submitter
 * waiting for its own result; submitters share {@value #CLIENTS_MAX} clients. A write is one
 * tablet moved to a new version; latency is one commit entry's round trip. {@link ClosedLoop}
 * runs the load, as it runs {@link RatisMtlsLoad}'s, the plain-Ratis baseline.
 *
 * <p>Prints one line per configuration: {@code commit entries=<single|batched> submitters=<N>
 * writes_per_s=<x> p50_ms=<x> p99_ms=<x>}. Usage: {@code CommitLoad [--quick] [--only
 * single|batched:SUBMITTERS]}. INSECURE: the simulated TEE platform; figures are what one
 * machine's cores achieve with three replicas and every client sharing them, not what a network
 * of TEEs would.
 */
public final class CommitLoad {
    /** Stripes one reserve entry hands out: the most one reserve may (Limits.STRIPES_PER_RESERVE_MAX). */
    static final int RESERVE_CHUNK_STRIPES = 1024;

    // Submitters share this many group clients: 128 TLS clients would measure connection setup.
    static final int CLIENTS_MAX = 8;
    // The store's shapes (tablet-store's Limits); a mismatch makes the store refuse every commit.
    private static final int SECTOR_BYTES = 4096;
    private static final int NONCE_BYTES = 12;
    private static final int DIGEST_BYTES = 32;
    private static final int K = 4;
    private static final int M = 2;
    private static final String CACHE_MEASUREMENT = "cc".repeat(48);

    private CommitLoad() {}

    /** Runs the configurations asked for and prints their lines. */
    public static void main(String[] args) throws Exception {
        try (Group group = Group.start()) {
            Submitter[] submitters = new Submitter[ClosedLoop.SUBMITTERS_MAX];
            for (int i = 0; i < submitters.length; i++) {
                submitters[i] = new Submitter(group, i, group.clients.get(i % group.clients.size()));
            }
            ClosedLoop.measure("commit", args, submitters);
        }
        System.exit(0);
    }

    /** One cache node's loop over its own tablets; state carries over between configurations. */
    private static final class Submitter implements ClosedLoop.Submitter {
        private final TabletStoreClient client;
        private final String cacheNodeId;
        private final long firstTabletId;
        private final long[] versions = new long[ClosedLoop.BATCH_WRITES];
        private final long[] stripes = new long[ClosedLoop.BATCH_WRITES];
        private final ArrayDeque<Long> reserved = new ArrayDeque<>();
        private final List<Long> retired = new ArrayList<>();
        private final Proposals proposals = new Proposals();

        Submitter(Group group, int index, TabletStoreClient client) throws IOException {
            this.client = client;
            this.cacheNodeId = HexFormat.of().formatHex(sha256("bench-cache-" + index));
            this.firstTabletId = 1 + (long) index * ClosedLoop.BATCH_WRITES;
            Arrays.fill(stripes, -1);
            expectOk(group.clients
                    .get(0)
                    .submit(proposals
                            .command()
                            .setRegisterCacheNode(RegisterCacheNode.newBuilder()
                                    .setNodeId(cacheNodeId)
                                    .setMeasurementHex(CACHE_MEASUREMENT))
                            .build()));
        }

        @Override
        public long commitOnce(boolean batched) throws IOException {
            int tablets = batched ? ClosedLoop.BATCH_WRITES : 1;
            if (reserved.size() < tablets) {
                refill();
            }
            CommitTablets.Builder commit = CommitTablets.newBuilder().setCacheNodeId(cacheNodeId);
            long[] next = new long[tablets];
            for (int i = 0; i < tablets; i++) {
                next[i] = reserved.removeFirst();
                commit.addCommits(TabletCommit.newBuilder()
                        .setTabletId(firstTabletId + i)
                        .setExpectedVersion(versions[i])
                        .setBlob(blob(next[i])));
            }
            long startNanos = System.nanoTime();
            Result result = submit(proposals.command().setCommitTablets(commit).build());
            long elapsedNanos = System.nanoTime() - startNanos;
            if (result.getCommitTablets().getStatus() != CommitTabletsResult.Status.OK) {
                throw new IllegalStateException("commit refused: " + result);
            }
            for (int i = 0; i < tablets; i++) {
                versions[i]++;
                if (stripes[i] >= 0) {
                    retired.add(stripes[i]);
                }
                stripes[i] = next[i];
            }
            return elapsedNanos;
        }

        // submitAsync shares one ordered stream per client; a blocking submit opens a stream per
        // call, which cost about a fifth of the single-entry throughput in our runs.
        private Result submit(Command command) throws IOException {
            try {
                return client.submitAsync(command).join();
            } catch (CompletionException e) {
                throw new IOException("commit failed", e.getCause());
            }
        }

        private void refill() throws IOException {
            if (!retired.isEmpty()) {
                // Claim, then confirm what was claimed, as a cache node's trimmer does (the claim
                // may hold stripes other submitters retired: the store hands out the lowest).
                Result claim = client.submit(proposals
                        .command()
                        .setClaimTrim(ClaimTrim.newBuilder()
                                .setCacheNodeId(cacheNodeId)
                                .setStripeCount(retired.size()))
                        .build());
                expectOk(claim);
                if (claim.getClaimTrim().getStripesCount() > 0) {
                    expectOk(client.submit(proposals
                            .command()
                            .setConfirmTrimmed(ConfirmTrimmed.newBuilder()
                                    .setCacheNodeId(cacheNodeId)
                                    .addAllStripes(claim.getClaimTrim().getStripesList()))
                            .build()));
                }
                retired.clear();
            }
            Result result = client.submit(proposals
                    .command()
                    .setReserveStripes(ReserveStripes.newBuilder()
                            .setCacheNodeId(cacheNodeId)
                            .setStripeCount(RESERVE_CHUNK_STRIPES))
                    .build());
            expectOk(result);
            reserved.addAll(result.getReserveStripes().getStripesList());
        }

        // A well-formed one-stripe blob: the store checks shape, not content.
        private static TabletBlob blob(long stripe) {
            TabletBlob.Builder blob = TabletBlob.newBuilder()
                    .addStripes(stripe)
                    .setLengthBytes((long) K * SECTOR_BYTES - 16)
                    .setNonce(ByteString.copyFrom(new byte[NONCE_BYTES]))
                    .setMac(ByteString.copyFrom(new byte[DIGEST_BYTES]))
                    .setKeyEpoch(1)
                    .setPlaintextBytes(K * SECTOR_BYTES / 2)
                    .setKeyCount(16);
            for (int i = 0; i < K + M; i++) {
                blob.addShardDigests(ByteString.copyFrom(new byte[DIGEST_BYTES]));
            }
            return blob.build();
        }

        private static byte[] sha256(String text) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }

        private static void expectOk(Result result) {
            String text = result.toString();
            if (result.hasRejection() || !text.contains("status: OK")) {
                throw new IllegalStateException("upkeep command refused: " + text);
            }
        }
    }

    /** Three nodes, bootstrapped, and the group clients the submitters share. */
    private static final class Group implements AutoCloseable {
        final Path ramRoot;
        final List<TabletStoreNode> nodes = new ArrayList<>();
        final List<TabletStoreClient> clients = new ArrayList<>();

        private Group(Path ramRoot) {
            this.ramRoot = ramRoot;
        }

        static Group start() throws IOException, AttestationException {
            SimulatedTrust trust = SimulatedTrust.create();
            Clock clock = trust.clock();
            AttestationVerifier verifier = trust.verifier();
            Group group = new Group(Loopback.newRamDirectory("ratchet-bench-"));
            try {
                for (int i = 0; i < 3; i++) {
                    int[] ports = Loopback.freePorts(3);
                    NodeIdentity identity = trust.identity(Role.TABLET_STORE);
                    // Production settings except the RAM root: the figures are for the real config.
                    RaftNode.Builder builder = RaftNode.builder(identity, verifier)
                            .address("127.0.0.1", ports[0], ports[1], ports[2])
                            .ramRoot(group.ramRoot);
                    group.nodes.add(TabletStoreNode.start(builder, (reason, cause) -> {
                        System.err.println("node died: " + reason);
                        System.exit(70);
                    }));
                }
                NodeIdentity operator = trust.identity(Role.CLIENT);
                RaftAdmin admin = TabletStoreNode.admin(operator, verifier, clock, List.of());
                admin.bootstrap(group.nodes.stream().map(TabletStoreNode::peer).toList());
                for (int i = 0; i < CLIENTS_MAX; i++) {
                    // Role client, as operator tools: a cache may only submit commands naming itself
                    // (CallerRules), and these connections act for many cache node ids.
                    NodeIdentity submitter = trust.identity(Role.CLIENT);
                    group.clients.add(new TabletStoreClient(
                            RaftGroupClient.builder(submitter, verifier, TabletStoreNode.GROUP_ID, admin.members())
                                    .clock(clock)
                                    .requestTimeout(Duration.ofSeconds(10))
                                    .build()));
                }
                group.bootstrap();
                return group;
            } catch (IOException | AttestationException | RuntimeException e) {
                group.close();
                throw e;
            }
        }

        private void bootstrap() throws IOException {
            List<SlotAssignment> slots = new ArrayList<>();
            for (int i = 0; i < K + M; i++) {
                slots.add(SlotAssignment.newBuilder()
                        .setNodeId(String.format("%064x", i + 1))
                        .setAddress("127.0.0.1:" + (7000 + i))
                        .build());
            }
            Policy policy = Policy.newBuilder()
                    .addRoles(RoleMeasurements.newBuilder()
                            .setRole(dev.ratchet.tablet.proto.Role.ROLE_CACHE)
                            .addMeasurementsHex(CACHE_MEASUREMENT))
                    .build();
            Result result = clients.get(0)
                    .submit(new Proposals()
                            .bootstrap(
                                    ClosedLoop.SUBMITTERS_MAX * ClosedLoop.BATCH_WRITES,
                                    K,
                                    M,
                                    1L << 24,
                                    slots,
                                    policy));
            if (!result.getBootstrap().getStatus().name().equals("OK")) {
                throw new IllegalStateException("bootstrap refused: " + result);
            }
        }

        @Override
        public void close() {
            for (TabletStoreClient client : clients) {
                try {
                    client.close();
                } catch (IOException e) {
                    // closing the benchmark; nothing to save
                }
            }
            for (TabletStoreNode node : nodes) {
                try {
                    node.close();
                } catch (IOException e) {
                    // closing the benchmark; nothing to save
                }
            }
            Loopback.deleteTree(ramRoot);
        }
    }
}
