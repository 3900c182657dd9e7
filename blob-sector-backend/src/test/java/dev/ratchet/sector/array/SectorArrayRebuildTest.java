package dev.ratchet.sector.array;

import static dev.ratchet.sector.array.ArrayFixture.failureOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.sector.codec.CauchyCode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Rebuilding a dead slot onto a fresh server. */
class SectorArrayRebuildTest {
    private static final int SECTOR = CauchyCode.SECTOR_SIZE_BYTES;

    @ParameterizedTest(name = "{0}+{1}, slot {2}")
    @CsvSource({"4, 2, 1", "4, 2, 5", "8, 4, 0", "8, 4, 9"})
    void rebuild_restoresTheSlotSoReadsNoLongerNeedTheOldServer(int k, int m, int slot) {
        try (ArrayFixture fixture = new ArrayFixture(k, m, builder -> builder.stripesPerRequestMax(4))) {
            byte[] first = fixture.randomBlob(10 * k * SECTOR + 3);
            byte[] second = fixture.randomBlob(7 * k * SECTOR);
            StripeWrite firstWrite = fixture.write(0, first);
            StripeWrite secondWrite = fixture.write(20, second);
            InMemorySectorDevice old = fixture.device(slot);
            old.setFault(InMemorySectorDevice.Fault.UNAVAILABLE);
            fixture.array.markDead(slot, 1);
            InMemorySectorDevice fresh = new InMemorySectorDevice("fresh");
            List<RebuildProgress> progress = Collections.synchronizedList(new ArrayList<>());

            RebuildProgress last = ArrayFixture.await(fixture.array.rebuild(
                    slot,
                    fresh,
                    concat(firstWrite.stripes(), secondWrite.stripes()),
                    digests(firstWrite, secondWrite),
                    progress::add));

            assertEquals(18, last.stripesTotal());
            assertEquals(18, last.stripesDone());
            assertTrue(progress.size() >= 5, "one call per batch of 4: " + progress);
            for (int p = 1; p < progress.size(); p++) {
                assertTrue(progress.get(p).stripesDone() > progress.get(p - 1).stripesDone(), progress.toString());
            }
            assertEquals(18, progress.get(progress.size() - 1).stripesDone());
            assertTrue(progress.stream().allMatch(r -> r.bytesPerSecond() > 0), progress.toString());
            ArrayHealth.SlotHealth health = fixture.array.health().slots().get(slot);
            assertEquals(SlotState.LIVE, health.state());
            assertEquals("fresh", health.nodeId());
            assertEquals(1, health.deathRecordVersion());
            assertFalse(fixture.array.health().degraded());
            assertTrue(old.isClosed());
            // m other servers go down; the rebuilt slot is now needed to reach k.
            int downed = 0;
            for (int s = 0; downed < m; s++) {
                if (s != slot) {
                    fixture.device(s).setFault(InMemorySectorDevice.Fault.UNAVAILABLE);
                    downed++;
                }
            }
            assertArrayEquals(first, fixture.read(firstWrite));
            assertArrayEquals(second, fixture.read(secondWrite));
        }
    }

    @Test
    void rebuild_withNoLiveStripes_switchesAtOnce() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            fixture.array.markDead(0, 1);
            List<RebuildProgress> progress = new ArrayList<>();

            ArrayFixture.await(
                    fixture.array.rebuild(0, new InMemorySectorDevice("fresh"), new long[0], List.of(), progress::add));

            assertEquals(List.of(new RebuildProgress(0, 0, 0)), progress);
            assertEquals(SlotState.LIVE, fixture.array.health().slots().get(0).state());
        }
    }

    @Test
    void rebuild_ofALiveSlot_isRefused() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            IllegalStateException failure = assertThrows(
                    IllegalStateException.class,
                    () -> fixture.array.rebuild(2, new InMemorySectorDevice("fresh"), new long[0], List.of(), p -> {}));

            assertTrue(failure.getMessage().contains("LIVE"), failure.getMessage());
        }
    }

    @Test
    void rebuild_ontoAFailingServer_failsAndLeavesTheSlotDead() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            StripeWrite written = fixture.write(0, fixture.randomBlob(3 * 4 * SECTOR));
            fixture.array.markDead(3, 1);
            InMemorySectorDevice fresh = new InMemorySectorDevice("fresh");
            fresh.setFault(InMemorySectorDevice.Fault.UNAVAILABLE);

            ArrayWriteException failure = assertInstanceOf(
                    ArrayWriteException.class,
                    failureOf(fixture.array.rebuild(3, fresh, written.stripes(), written.shardDigests(), p -> {})));

            assertEquals("fresh", failure.faults().get(0).nodeId());
            ArrayHealth.SlotHealth health = fixture.array.health().slots().get(3);
            assertEquals(SlotState.DEAD, health.state());
            assertEquals("node-3", health.nodeId());
            assertFalse(fresh.isClosed(), "a failed rebuild leaves the new device to the caller");
        }
    }

    @Test
    void rebuild_ontoAServerThatLies_failsVerification() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            StripeWrite written = fixture.write(0, fixture.randomBlob(4 * SECTOR));
            fixture.array.markDead(0, 1);
            InMemorySectorDevice fresh = new InMemorySectorDevice("fresh");
            fresh.setFault(InMemorySectorDevice.Fault.MISDIRECT);

            ArrayWriteException failure = assertInstanceOf(
                    ArrayWriteException.class,
                    failureOf(fixture.array.rebuild(0, fresh, written.stripes(), written.shardDigests(), p -> {})));

            assertEquals(
                    ShardFault.Kind.DIGEST_MISMATCH, failure.faults().get(0).kind());
            assertEquals(SlotState.DEAD, fixture.array.health().slots().get(0).state());
        }
    }

    @Test
    void rebuild_withTooManyBadShards_failsTyped() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            StripeWrite written = fixture.write(0, fixture.randomBlob(4 * SECTOR));
            fixture.array.markDead(0, 1);
            fixture.device(1).corrupt(0, 0);
            fixture.device(2).corrupt(0, 0);

            assertInstanceOf(
                    ArrayReadException.class,
                    failureOf(fixture.array.rebuild(
                            0, new InMemorySectorDevice("fresh"), written.stripes(), written.shardDigests(), p -> {})));
        }
    }

    @Test
    void rebuild_whileWritesAndDeathsHappen_writesReachTheNewServerAndADeathStopsIt() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            StripeWrite before = fixture.write(0, fixture.randomBlob(4 * SECTOR));
            assertEquals(
                    List.of("node-0", "node-1", "node-2", "node-3", "node-4", "node-5"), before.writtenSlotNodeIds());
            fixture.array.markDead(2, 1);
            assertEquals(
                    List.of("node-0", "node-1", "", "node-3", "node-4", "node-5"),
                    fixture.write(10, fixture.randomBlob(SECTOR)).writtenSlotNodeIds(),
                    "a write past a DEAD slot says it skipped it");
            InMemorySectorDevice fresh = new InMemorySectorDevice("fresh");
            fresh.hold();
            CompletableFuture<RebuildProgress> rebuild =
                    fixture.array.rebuild(2, fresh, before.stripes(), before.shardDigests(), p -> {});
            assertEquals(
                    SlotState.REBUILDING, fixture.array.health().slots().get(2).state());
            assertTrue(fixture.array.health().degraded());

            byte[] during = fixture.randomBlob(4 * SECTOR);
            CompletableFuture<StripeWrite> write = fixture.array.write(ArrayFixture.stripes(50, 1), during);
            StripeWrite duringWrite = ArrayFixture.releaseUntilDone(write, List.of(fresh));
            assertEquals("fresh", duringWrite.writtenSlotNodeIds().get(2), "a REBUILDING slot's new server is written");
            ArrayFixture.releaseUntilDone(rebuild, List.of(fresh));
            fresh.stopHolding();
            fixture.device(0).setFault(InMemorySectorDevice.Fault.UNAVAILABLE);
            fixture.device(1).setFault(InMemorySectorDevice.Fault.UNAVAILABLE);
            assertArrayEquals(during, fixture.read(duringWrite));

            // A second rebuild of the same slot, interrupted by a newer death record.
            fixture.device(0).setFault(InMemorySectorDevice.Fault.NONE);
            fixture.device(1).setFault(InMemorySectorDevice.Fault.NONE);
            fixture.array.markDead(2, 2);
            InMemorySectorDevice another = new InMemorySectorDevice("another");
            another.hold();
            CompletableFuture<RebuildProgress> interrupted =
                    fixture.array.rebuild(2, another, before.stripes(), before.shardDigests(), p -> {});
            fixture.array.markDead(2, 3);
            another.stopHolding();
            assertInstanceOf(IllegalStateException.class, failureOf(interrupted));
            assertEquals(SlotState.DEAD, fixture.array.health().slots().get(2).state());
            assertEquals(3, fixture.array.health().slots().get(2).deathRecordVersion());
        }
    }

    private static long[] concat(long[] a, long[] b) {
        long[] both = new long[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static List<byte[]> digests(StripeWrite a, StripeWrite b) {
        List<byte[]> both = new ArrayList<>(a.shardDigests());
        both.addAll(b.shardDigests());
        return both;
    }
}
