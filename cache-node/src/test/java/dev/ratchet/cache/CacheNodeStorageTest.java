package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheNodeKvTest.get;
import static dev.ratchet.cache.CacheNodeKvTest.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.client.proto.KvServiceGrpc;
import dev.ratchet.client.proto.StatusRequest;
import dev.ratchet.client.proto.TopologyRequest;
import dev.ratchet.sector.server.TestHooks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What reaches storage: tablets split past the threshold, and no plaintext in sector RAM or logs. */
class CacheNodeStorageTest {
    /** A small split threshold, so a few hundred small keys split tablets. */
    private static final long SPLIT_BYTES = 4096;

    private static CacheCluster cluster;
    private static CacheNode node;
    private static KvServiceGrpc.KvServiceBlockingStub kv;

    @BeforeAll
    static void start() throws Exception {
        cluster = CacheCluster.start();
        node = cluster.startCache(builder -> builder.splitPlaintextBytes(SPLIT_BYTES));
        kv = cluster.stub(node).withInterceptors(CacheCluster.deadlinePerCall(CacheCluster.WAIT));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void tabletsPastTheThreshold_split_smallNeighboursMerge_andEveryKeyStaysReadable() throws Exception {
        int keys = 300;
        String padding = "x".repeat(100);
        for (int i = 0; i < keys; i++) {
            put(kv, bytes("split-" + i), padding + i);
        }
        // A split commits right after the put that crossed the threshold is answered: await it.
        int split = settledTabletCount(count -> count > CacheCluster.INITIAL_TABLETS);

        KvServiceGrpc.KvServiceBlockingStub fresh =
                cluster.stub(cluster.startCache()).withInterceptors(CacheCluster.deadlinePerCall(CacheCluster.WAIT));
        for (int i = 0; i < keys; i++) {
            assertEquals(bytes(padding + i), get(kv, bytes("split-" + i)).getValue());
            assertEquals(bytes(padding + i), get(fresh, bytes("split-" + i)).getValue());
        }

        // Delete most keys: tablets shrink under a quarter of the threshold and merge pairwise.
        for (int i = 0; i < keys; i++) {
            if (i % 50 != 0) {
                assertTrue(
                        kv.delete(CacheNodeKvTest.delete(bytes("split-" + i))).getExisted());
            }
        }
        int merged = settledTabletCount(count -> count < split);
        KvServiceGrpc.KvServiceBlockingStub another =
                cluster.stub(cluster.startCache()).withInterceptors(CacheCluster.deadlinePerCall(CacheCluster.WAIT));
        for (int i = 0; i < keys; i++) {
            boolean kept = i % 50 == 0;
            assertEquals(kept, get(another, bytes("split-" + i)).getFound(), "split-" + i);
            assertEquals(kept, get(fresh, bytes("split-" + i)).getFound(), "split-" + i);
        }
        put(another, bytes("split-1"), "back");
        assertEquals(bytes("back"), get(kv, bytes("split-1")).getValue());
    }

    /**
     * Returns the tablet count once it satisfies {@code wanted} and the ring and the status agree
     * on it (no split or merge between the two reads), failing after 30 s.
     */
    private static int settledTabletCount(IntPredicate wanted) {
        long deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            int ring = kv.topology(TopologyRequest.getDefaultInstance()).getTabletsCount();
            int status = kv.status(StatusRequest.getDefaultInstance()).getTabletsCount();
            if (ring == status && wanted.test(ring)) {
                return ring;
            }
            if (System.nanoTime() - deadlineNanos > 0) {
                throw new AssertionError(
                        "tablet count did not settle as expected: ring " + ring + ", status " + status);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    @Test
    void noPlaintextCanary_inAnySectorServersRam_orInTheLogs() throws Exception {
        byte[] random = new byte[8];
        new SecureRandom().nextBytes(random);
        String canaryValue = "CANARY-VALUE-" + HexFormat.of().formatHex(random);
        String canaryKey = "canary-key-" + HexFormat.of().formatHex(random);
        put(kv, bytes(canaryKey), canaryValue);
        assertEquals(bytes(canaryValue), get(kv, bytes(canaryKey)).getValue());

        boolean sawCiphertext = false;
        for (TestHooks hooks : cluster.hooks) {
            byte[] ram = hooks.dumpRam();
            assertFalse(contains(ram, canaryValue.getBytes(StandardCharsets.UTF_8)), "value in sector RAM");
            assertFalse(contains(ram, canaryKey.getBytes(StandardCharsets.UTF_8)), "key in sector RAM");
            for (byte b : ram) {
                if (b != 0) {
                    sawCiphertext = true;
                    break;
                }
            }
        }
        assertTrue(sawCiphertext, "the sector servers hold nothing at all; the dump proves nothing");

        Path log = Path.of("target", "cache-node-test.log");
        assertTrue(Files.exists(log), "the test log file is missing: " + log.toAbsolutePath());
        String logged = Files.readString(log, StandardCharsets.ISO_8859_1);
        assertFalse(logged.contains(canaryValue), "value in the log");
        assertFalse(logged.contains(canaryKey), "key in the log");
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        ByteString hay = ByteString.copyFrom(haystack);
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (haystack[i] != needle[0]) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return hay.size() > 0;
        }
        return false;
    }
}
