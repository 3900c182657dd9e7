package dev.ratchet.sector.array;

import static dev.ratchet.sector.array.ArrayFixture.failureOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.sector.codec.CauchyCode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Death records, degraded health, and writes that must reach every live server. */
class SectorArrayDeathTest {
    private static final int SECTOR = CauchyCode.SECTOR_SIZE_BYTES;

    @Test
    void health_ofAFreshArray_isAllLiveAndNotDegraded() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            ArrayHealth health = fixture.array.health();

            assertFalse(health.degraded());
            assertEquals(6, health.liveSlotCount());
            for (ArrayHealth.SlotHealth slot : health.slots()) {
                assertEquals(SlotState.LIVE, slot.state());
                assertEquals(0, slot.deathRecordVersion());
                assertEquals(0, slot.lieCount() + slot.unavailableCount() + slot.refusedCount());
            }
        }
    }

    @Test
    void markDead_skipsTheSlotOnWriteAndDecodesAroundItOnRead() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            fixture.array.markDead(1, 7);
            fixture.array.markDead(4, 8);

            byte[] blob = fixture.randomBlob(3 * 4 * SECTOR + 1);
            StripeWrite written = fixture.write(0, blob);

            assertEquals(0, fixture.device(1).writeCalls());
            assertEquals(0, fixture.device(4).writeCalls());
            assertArrayEquals(blob, fixture.read(written));
            assertEquals(0, fixture.device(1).readCalls());
            assertTrue(fixture.faults.isEmpty(), () -> "dead slots are not faults: " + fixture.faults);
            ArrayHealth health = fixture.array.health();
            assertTrue(health.degraded());
            assertEquals(4, health.liveSlotCount());
            assertEquals(SlotState.DEAD, health.slots().get(1).state());
            assertEquals(7, health.slots().get(1).deathRecordVersion());
            // Dead slots' shards are digested anyway, for a later rebuild.
            assertEquals(4 * 6, written.shardDigests().size());
        }
    }

    @Test
    void markDead_withAVersionNotAboveTheAppliedOne_isRefused() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            fixture.array.markDead(2, 5);

            IllegalArgumentException equal =
                    assertThrows(IllegalArgumentException.class, () -> fixture.array.markDead(2, 5));
            assertThrows(IllegalArgumentException.class, () -> fixture.array.markDead(2, 4));
            assertThrows(IllegalArgumentException.class, () -> fixture.array.markDead(3, 0));
            assertThrows(IllegalArgumentException.class, () -> fixture.array.markDead(6, 1));
            assertTrue(equal.getMessage().contains("5"), equal.getMessage());

            fixture.array.markDead(2, 6);
            assertEquals(6, fixture.array.health().slots().get(2).deathRecordVersion());
        }
    }

    @Test
    void write_whenALiveServerFails_failsNamingIt() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            fixture.device(3).setFault(InMemorySectorDevice.Fault.UNAVAILABLE);
            fixture.device(5).setFault(InMemorySectorDevice.Fault.REFUSE);

            ArrayWriteException failure = assertInstanceOf(
                    ArrayWriteException.class,
                    failureOf(fixture.array.write(ArrayFixture.stripes(0, 1), fixture.randomBlob(SECTOR))));

            assertEquals(2, failure.faults().size(), failure.getMessage());
            assertEquals(3, failure.faults().get(0).slot());
            assertEquals("node-3", failure.faults().get(0).nodeId());
            assertEquals(ShardFault.Kind.UNAVAILABLE, failure.faults().get(0).kind());
            assertEquals(ShardFault.Kind.REFUSED, failure.faults().get(1).kind());
            assertEquals(1, fixture.faultCount(3, ShardFault.Kind.UNAVAILABLE));
        }
    }

    @Test
    void write_whenALiveServerHangs_timesOutNamingIt() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            fixture.device(0).setFault(InMemorySectorDevice.Fault.HANG);

            ArrayWriteException failure = assertInstanceOf(
                    ArrayWriteException.class,
                    failureOf(fixture.array.write(ArrayFixture.stripes(0, 1), fixture.randomBlob(SECTOR))));

            assertEquals(
                    List.of(0), failure.faults().stream().map(ShardFault::slot).toList());
        }
    }

    @Test
    void write_withFewerThanKLiveSlots_isRefused() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            fixture.array.markDead(0, 1);
            fixture.array.markDead(1, 2);
            StripeWrite atK = fixture.write(0, fixture.randomBlob(SECTOR));
            fixture.array.markDead(2, 3);

            ArrayWriteException failure = assertInstanceOf(
                    ArrayWriteException.class,
                    failureOf(fixture.array.write(ArrayFixture.stripes(1, 1), fixture.randomBlob(SECTOR))));

            assertEquals(3, failure.faults().size(), failure.getMessage());
            assertTrue(failure.faults().stream().allMatch(f -> f.kind() == ShardFault.Kind.SLOT_NOT_LIVE));
            assertInstanceOf(
                    ArrayReadException.class,
                    failureOf(fixture.array.read(atK.stripes(), atK.lengthBytes(), atK.shardDigests())));
        }
    }

    @Test
    void trim_skipsDeadSlotsAndNamesFailingLiveOnes() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            StripeWrite written = fixture.write(0, fixture.randomBlob(4 * SECTOR));
            fixture.device(0).setFault(InMemorySectorDevice.Fault.UNAVAILABLE);
            fixture.array.markDead(0, 1);
            ArrayFixture.await(fixture.array.trim(written.stripes()));
            fixture.device(1).setFault(InMemorySectorDevice.Fault.UNAVAILABLE);

            ArrayWriteException failure =
                    assertInstanceOf(ArrayWriteException.class, failureOf(fixture.array.trim(written.stripes())));

            assertEquals(1, failure.faults().get(0).slot());
        }
    }

    @Test
    void close_closesEveryDeviceAndRefusesLaterCalls() {
        ArrayFixture fixture = new ArrayFixture(4, 2);
        fixture.close();

        assertTrue(fixture.devices.stream().allMatch(InMemorySectorDevice::isClosed));
        assertThrows(IllegalStateException.class, () -> fixture.array.markDead(0, 1));
        assertThrows(IllegalStateException.class, () -> fixture.array.health());
    }
}
