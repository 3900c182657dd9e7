package dev.ratchet.bench;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.tls.AttestedKeyManager;
import dev.ratchet.attestation.tls.AttestedTls;
import dev.ratchet.attestation.tls.AttestedTrustManager;
import dev.ratchet.attestation.tls.PeerExpectation;
import dev.ratchet.sector.array.GrpcSectorDevice;
import dev.ratchet.sector.array.SectorArray;
import dev.ratchet.sector.array.SectorDevice;
import dev.ratchet.sector.array.StripeWrite;
import dev.ratchet.sector.proto.SectorServiceGrpc;
import dev.ratchet.sector.server.SectorServer;
import dev.ratchet.sector.server.WriterAuthority;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.stream.LongStream;

/**
 * A load generator for the sector array over real sector servers: k+m servers on loopback, each
 * behind attested TLS 1.3 with signed reads, driven through {@link SectorArray} with a fixed
 * number of blob writes (then reads) in flight.
 *
 * <p>Everything runs in one JVM on one machine, so the figure is what the array, the servers and
 * the TLS stack achieve together on these cores, not what a network of TEEs would. It prints one
 * line per phase: {@code array <write|read> <k>+<m> mb_per_s=<x> ops=<n> blob_kib=<n>
 * in_flight=<n>}, where MB/s counts blob (data) bytes, not parity.
 *
 * <p>Usage: {@code ArrayThroughput K+M SECONDS [BLOB_STRIPES] [IN_FLIGHT]}. INSECURE: uses the
 * simulated TEE platform.
 */
public final class ArrayThroughput {
    private static final long CALL_TIMEOUT_MILLIS = 30_000;

    private ArrayThroughput() {}

    /** Runs the write phase, then the read phase, and prints their figures. */
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ArrayThroughput K+M SECONDS [BLOB_STRIPES] [IN_FLIGHT]");
            System.exit(2);
        }
        String[] geometry = args[0].split("\\+");
        int k = Integer.parseInt(geometry[0]);
        int m = Integer.parseInt(geometry[1]);
        long phaseNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
        int blobStripes = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int inFlight = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        try (Cluster cluster = new Cluster(k, m, (long) blobStripes * inFlight)) {
            cluster.run(blobStripes, inFlight, phaseNanos);
        }
    }

    /** The servers, the array and the load, closed together. */
    private static final class Cluster implements AutoCloseable {
        private final int k;
        private final int m;
        private final List<SectorServer> servers = new ArrayList<>();
        private final SectorArray array;

        Cluster(int k, int m, long capacitySectors) throws Exception {
            this.k = k;
            this.m = m;
            SimulatedTrust trust = SimulatedTrust.create();
            Clock clock = trust.clock();
            AttestationVerifier verifier = trust.verifier();
            NodeIdentity cache = trust.identity(Role.CACHE);
            NodeIdentity operator = trust.identity(Role.TABLET_STORE);
            WriterAuthority authority = WriterAuthority.generate();
            List<SectorDevice> devices = new ArrayList<>();
            for (int slot = 0; slot < k + m; slot++) {
                NodeIdentity sector = trust.identity(Role.SECTOR);
                SectorServer server = SectorServer.builder(sector, verifier, authority.publicKey())
                        .capacitySectors(capacitySectors)
                        .clock(clock)
                        .start();
                servers.add(server);
                authorize(server, operator, verifier, clock, authority, cache);
                devices.add(new GrpcSectorDevice(
                        "127.0.0.1", server.port(), server.nodeId(), cache, verifier, clock, CALL_TIMEOUT_MILLIS));
            }
            this.array = SectorArray.builder(k, m)
                    .slots(devices)
                    .callTimeoutMillis(CALL_TIMEOUT_MILLIS)
                    .build();
        }

        void run(int blobStripes, int inFlight, long phaseNanos) throws Exception {
            int blobBytes = blobStripes * k * 4096;
            Random random = new Random(1);
            byte[][] blobs = new byte[inFlight][blobBytes];
            long[][] stripes = new long[inFlight][];
            for (int lane = 0; lane < inFlight; lane++) {
                random.nextBytes(blobs[lane]);
                stripes[lane] = LongStream.range((long) lane * blobStripes, (long) (lane + 1) * blobStripes)
                        .toArray();
            }
            StripeWrite[] written = new StripeWrite[inFlight];
            // Warm up the JIT and the connections with one round of every lane, then measure.
            for (int lane = 0; lane < inFlight; lane++) {
                written[lane] = array.write(stripes[lane], blobs[lane]).get(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                array.read(stripes[lane], blobBytes, written[lane].shardDigests())
                        .get(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            }
            report(
                    "write",
                    blobBytes,
                    inFlight,
                    measure(
                            inFlight,
                            phaseNanos,
                            lane -> array.write(stripes[lane], blobs[lane])
                                    .thenAccept(result -> written[lane] = result)));
            report(
                    "read",
                    blobBytes,
                    inFlight,
                    measure(
                            inFlight,
                            phaseNanos,
                            lane -> array.read(stripes[lane], blobBytes, written[lane].shardDigests())
                                    .thenAccept(data -> {
                                        if (data.length != blobBytes) {
                                            throw new IllegalStateException("short read: " + data.length);
                                        }
                                    })));
        }

        /** Keeps one operation per lane in flight until the phase ends; returns ops and nanos. */
        private static long[] measure(int lanes, long phaseNanos, IntFunction<CompletableFuture<Void>> operation)
                throws Exception {
            AtomicLong ops = new AtomicLong();
            long start = System.nanoTime();
            long end = start + phaseNanos;
            List<CompletableFuture<Void>> loops = new ArrayList<>();
            for (int lane = 0; lane < lanes; lane++) {
                loops.add(loop(lane, end, ops, operation));
            }
            CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new))
                    .get(phaseNanos + TimeUnit.MINUTES.toNanos(1), TimeUnit.NANOSECONDS);
            return new long[] {ops.get(), System.nanoTime() - start};
        }

        private static CompletableFuture<Void> loop(
                int lane, long endNanos, AtomicLong ops, IntFunction<CompletableFuture<Void>> operation) {
            if (System.nanoTime() >= endNanos) {
                return CompletableFuture.completedFuture(null);
            }
            return operation.apply(lane).thenCompose(ignored -> {
                ops.incrementAndGet();
                return loop(lane, endNanos, ops, operation);
            });
        }

        private void report(String phase, int blobBytes, int inFlight, long[] opsAndNanos) {
            double seconds = opsAndNanos[1] / 1e9;
            double megabytesPerSecond = opsAndNanos[0] * (double) blobBytes / seconds / 1e6;
            System.out.printf(
                    Locale.ROOT,
                    "array %s %d+%d mb_per_s=%.1f ops=%d blob_kib=%d in_flight=%d%n",
                    phase,
                    k,
                    m,
                    megabytesPerSecond,
                    opsAndNanos[0],
                    blobBytes / 1024,
                    inFlight);
        }

        private static void authorize(
                SectorServer server,
                NodeIdentity operator,
                AttestationVerifier verifier,
                Clock clock,
                WriterAuthority authority,
                NodeIdentity writer)
                throws Exception {
            AttestedTrustManager trust = AttestedTrustManager.builder(verifier)
                    .acceptRoles(Role.SECTOR)
                    .clock(clock)
                    .expectation(PeerExpectation.exactly(server.nodeId()))
                    .build();
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
                    .sslContext(AttestedTls.grpcClientContext(new AttestedKeyManager(operator), trust))
                    .build();
            try {
                SectorServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                        .installAuthorization(authority.sign(1, List.of(writer.nodeId())));
            } finally {
                channel.shutdownNow();
            }
        }

        @Override
        public void close() {
            array.close();
            for (SectorServer server : servers) {
                server.close();
            }
        }
    }
}
