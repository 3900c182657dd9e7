package dev.ratchet.tablet;

import com.google.protobuf.ByteString;
import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.AttestationPolicy;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.simulated.CodeMeasurement;
import dev.ratchet.attestation.simulated.SimulatedCa;
import dev.ratchet.attestation.simulated.SimulatedProvider;
import dev.ratchet.attestation.simulated.SimulatedVerifier;
import dev.ratchet.raft.RaftAdmin;
import dev.ratchet.raft.RaftGroupClient;
import dev.ratchet.raft.RaftNode;
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
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * A load generator, not part of the store: measures compare-and-commit throughput and latency on
 * a 3-node tablet-store group on loopback with attested TLS, all in this JVM.
 *
 * <p>Each submitter is a cache node that owns tablets of its own and loops: commit every owned
 * tablet from its current version to the next, in one {@code CommitTablets} entry ({@code
 * entries=single}: one tablet per entry; {@code entries=batched}: {@value #BATCH_TABLETS} tablets
 * per entry), each new blob in a freshly reserved stripe, as copy-on-write demands. A submitter
 * reserves {@value #RESERVE_CHUNK_STRIPES} stripes at a time and returns the stripes its commits
 * retired with {@code ConfirmTrimmed} (as a cache node does after zeroing them), so the allocator
 * never runs dry; those upkeep entries take log bandwidth but are neither counted as writes nor
 * timed. Commits go through {@link TabletStoreClient#submitAsync}, each submitter waiting for its
 * own result; submitters share {@value #CLIENTS_MAX} clients. A write is one tablet moved to a
 * new version; latency is one commit entry's round trip.
 *
 * <p>The shared clients attest role client, as operator tools do: a cache may only submit commands
 * naming itself ({@code CallerRules}), and here {@value #CLIENTS_MAX} connections act for {@value
 * #SUBMITTERS_MAX} cache node ids. So the figures leave out the one thing a real cache's commit
 * costs on top: the replicas parsing each command once more to check its cache node id.
 *
 * <p>Prints one line per configuration: {@code commit entries=<single|batched> submitters=<N>
 * writes_per_s=<x> p50_ms=<x> p99_ms=<x>}. Usage: {@code CommitLoad [--quick] [--only
 * single|batched:SUBMITTERS]}. INSECURE: the
 * simulated TEE platform; figures are what one machine's cores achieve with three replicas and
 * every client sharing them, not what a network of TEEs would.
 */
public final class CommitLoad {
    /** Tablets per batched entry: the most one compare-and-commit may carry. */
    static final int BATCH_TABLETS = Limits.TABLETS_PER_COMMIT_MAX;

    /** Stripes one reserve entry hands out: the most one reserve may (amortizes upkeep). */
    static final int RESERVE_CHUNK_STRIPES = Limits.STRIPES_PER_RESERVE_MAX;

    private static final int[] SUBMITTERS = {1, 16, 128};
    private static final int SUBMITTERS_MAX = 128;
    // Submitters share this many group clients: 128 TLS clients would measure connection setup.
    static final int CLIENTS_MAX = 8;
    private static final int K = 4;
    private static final int M = 2;
    private static final String CACHE_MEASUREMENT = "cc".repeat(48);

    private CommitLoad() {}

    /** Runs every configuration and prints its line. */
    public static void main(String[] args) throws Exception {
        List<String> options = Arrays.asList(args);
        boolean quick = options.contains("--quick");
        // --only ENTRIES:SUBMITTERS (e.g. single:1) runs one configuration, for profiling.
        int only = options.indexOf("--only");
        String onlyConfiguration = only >= 0 && only + 1 < args.length ? args[only + 1] : null;
        Duration measure = quick ? Duration.ofSeconds(5) : Duration.ofSeconds(15);
        Duration warmup = quick ? Duration.ofSeconds(2) : Duration.ofSeconds(5);
        try (Group group = Group.start()) {
            Submitter[] submitters = new Submitter[SUBMITTERS_MAX];
            for (int i = 0; i < SUBMITTERS_MAX; i++) {
                submitters[i] = new Submitter(group, i);
            }
            run(group, submitters, 16, 1, warmup);
            for (int tablets : new int[] {1, BATCH_TABLETS}) {
                for (int count : SUBMITTERS) {
                    String name = (tablets == 1 ? "single" : "batched") + ":" + count;
                    if (onlyConfiguration != null && !onlyConfiguration.equals(name)) {
                        continue;
                    }
                    Figures figures = run(group, submitters, count, tablets, measure);
                    System.out.printf(
                            Locale.ROOT,
                            "commit entries=%s submitters=%d writes_per_s=%.0f p50_ms=%.2f p99_ms=%.2f%n",
                            tablets == 1 ? "single" : "batched",
                            count,
                            figures.writesPerSecond,
                            figures.p50Millis,
                            figures.p99Millis);
                }
            }
        }
        System.exit(0);
    }

    private record Figures(double writesPerSecond, double p50Millis, double p99Millis) {}

    private static Figures run(Group group, Submitter[] all, int count, int tablets, Duration duration)
            throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(count);
        try {
            long deadlineNanos = System.nanoTime() + duration.toNanos();
            long startNanos = System.nanoTime();
            List<Future<long[]>> latencies = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Submitter submitter = all[i];
                TabletStoreClient client = group.clients.get(i % group.clients.size());
                latencies.add(threads.submit(() -> submitter.loop(client, tablets, deadlineNanos)));
            }
            List<long[]> results = new ArrayList<>();
            for (Future<long[]> future : latencies) {
                results.add(future.get());
            }
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            long[] merged =
                    results.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            if (merged.length == 0) {
                throw new IllegalStateException("no commit finished in " + duration);
            }
            return new Figures(
                    merged.length * (double) tablets / seconds,
                    merged[(int) (merged.length * 0.50)] / 1e6,
                    merged[Math.min(merged.length - 1, (int) (merged.length * 0.99))] / 1e6);
        } finally {
            threads.shutdownNow();
        }
    }

    /** One cache node's loop over its own tablets; state carries over between configurations. */
    private static final class Submitter {
        private final String cacheNodeId;
        private final long firstTabletId;
        private final long[] versions = new long[BATCH_TABLETS];
        private final long[] stripes = new long[BATCH_TABLETS];
        private final ArrayDeque<Long> reserved = new ArrayDeque<>();
        private final List<Long> retired = new ArrayList<>();
        private final Proposals proposals = new Proposals();

        Submitter(Group group, int index) throws IOException {
            this.cacheNodeId = HexFormat.of()
                    .formatHex(InputRules.sha256(("bench-cache-" + index).getBytes(StandardCharsets.UTF_8)));
            this.firstTabletId = 1 + (long) index * BATCH_TABLETS;
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

        /** Commits until the deadline; returns each commit entry's latency in nanoseconds. */
        long[] loop(TabletStoreClient client, int tablets, long deadlineNanos) throws IOException {
            long[] latencies = new long[1 << 16];
            int count = 0;
            while (System.nanoTime() - deadlineNanos < 0) {
                if (reserved.size() < tablets) {
                    refill(client);
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
                Result result = submit(
                        client, proposals.command().setCommitTablets(commit).build());
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
                if (count == latencies.length) {
                    latencies = Arrays.copyOf(latencies, count * 2);
                }
                latencies[count++] = elapsedNanos;
            }
            return Arrays.copyOf(latencies, count);
        }

        // submitAsync shares one ordered stream per client; a blocking submit opens a stream per
        // call, which cost about a fifth of the single-entry throughput in our runs.
        private static Result submit(TabletStoreClient client, Command command) throws IOException {
            try {
                return client.submitAsync(command).join();
            } catch (CompletionException e) {
                throw new IOException("commit failed", e.getCause());
            }
        }

        private void refill(TabletStoreClient client) throws IOException {
            if (!retired.isEmpty()) {
                expectOk(client.submit(proposals
                        .command()
                        .setConfirmTrimmed(ConfirmTrimmed.newBuilder()
                                .setCacheNodeId(cacheNodeId)
                                .addAllStripes(retired))
                        .build()));
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
                    .setLengthBytes((long) K * Limits.SECTOR_BYTES - 16)
                    .setNonce(ByteString.copyFrom(new byte[Limits.NONCE_BYTES]))
                    .setMac(ByteString.copyFrom(new byte[Limits.DIGEST_BYTES]))
                    .setKeyEpoch(1)
                    .setPlaintextBytes(K * Limits.SECTOR_BYTES / 2)
                    .setKeyCount(16);
            for (int i = 0; i < K + M; i++) {
                blob.addShardDigests(ByteString.copyFrom(new byte[Limits.DIGEST_BYTES]));
            }
            return blob.build();
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
            Clock clock = Clock.systemUTC();
            SimulatedCa ca = SimulatedCa.create(clock);
            CodeMeasurement measurement = CodeMeasurement.ofCodeDigest(new byte[48]);
            AttestationPolicy.Builder policy = AttestationPolicy.builder().allowSimulated(true);
            for (Role role : Role.values()) {
                policy.allowMeasurement(role, measurement.forRole(role));
            }
            AttestationVerifier verifier =
                    new AttestationVerifier(policy.build(), List.of(new SimulatedVerifier(List.of(ca.certificate()))));
            Group group = new Group(newRamRoot());
            try {
                for (int i = 0; i < 3; i++) {
                    int[] ports = freePorts();
                    NodeIdentity identity = NodeIdentity.generate(
                            Role.TABLET_STORE, SimulatedProvider.create(ca, measurement, clock), clock);
                    // Production settings except the RAM root: the figures are for the real config.
                    RaftNode.Builder builder = RaftNode.builder(identity, verifier)
                            .address("127.0.0.1", ports[0], ports[1], ports[2])
                            .ramRoot(group.ramRoot);
                    group.nodes.add(TabletStoreNode.start(builder, (reason, cause) -> {
                        System.err.println("node died: " + reason);
                        System.exit(70);
                    }));
                }
                NodeIdentity operator =
                        NodeIdentity.generate(Role.CLIENT, SimulatedProvider.create(ca, measurement, clock), clock);
                RaftAdmin admin = TabletStoreNode.admin(operator, verifier, clock, List.of());
                admin.bootstrap(group.nodes.stream().map(TabletStoreNode::peer).toList());
                for (int i = 0; i < CLIENTS_MAX; i++) {
                    NodeIdentity submitter =
                            NodeIdentity.generate(Role.CLIENT, SimulatedProvider.create(ca, measurement, clock), clock);
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
                    .submit(new Proposals().bootstrap(SUBMITTERS_MAX * BATCH_TABLETS, K, M, 1L << 24, slots, policy));
            if (!result.getBootstrap().getStatus().name().equals("OK")) {
                throw new IllegalStateException("bootstrap refused: " + result);
            }
        }

        private static Path newRamRoot() throws IOException {
            Path shm = Path.of("/dev/shm");
            return Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "ratchet-bench-")
                    : Files.createTempDirectory("ratchet-bench-");
        }

        private static int[] freePorts() throws IOException {
            List<ServerSocket> sockets = new ArrayList<>();
            try {
                int[] ports = new int[3];
                for (int i = 0; i < 3; i++) {
                    ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                    sockets.add(socket);
                    ports[i] = socket.getLocalPort();
                }
                return ports;
            } finally {
                for (ServerSocket socket : sockets) {
                    socket.close();
                }
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
            try (Stream<Path> paths = Files.walk(ramRoot)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
