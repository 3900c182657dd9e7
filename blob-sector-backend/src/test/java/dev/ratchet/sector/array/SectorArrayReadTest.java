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
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Round trips, and reads that decode around up to m bad shards per stripe and refuse beyond. */
class SectorArrayReadTest {
    private static final int SECTOR = CauchyCode.SECTOR_SIZE_BYTES;

    static Stream<Arguments> geometriesAndSizes() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (int[] geometry : new int[][] {{4, 2}, {8, 4}}) {
            int k = geometry[0];
            for (int size : new int[] {0, 1, SECTOR, k * SECTOR, k * SECTOR + 1, 5 * k * SECTOR + 123}) {
                cases.add(Arguments.of(k, geometry[1], size));
            }
        }
        return cases.build();
    }

    @ParameterizedTest(name = "{0}+{1}, {2} bytes")
    @MethodSource("geometriesAndSizes")
    void write_thenRead_returnsTheBlob(int k, int m, int size) {
        try (ArrayFixture fixture = new ArrayFixture(k, m)) {
            byte[] blob = fixture.randomBlob(size);

            StripeWrite written = fixture.write(100, blob);

            assertEquals(fixture.stripesFor(size), written.stripes().length);
            assertEquals(
                    written.stripes().length * (k + m), written.shardDigests().size());
            assertArrayEquals(blob, fixture.read(written));
            assertTrue(fixture.faults.isEmpty(), () -> "faults on a healthy array: " + fixture.faults);
        }
    }

    @Test
    void write_storesDataShardsAsTheBlobBytesAndDigestsThem() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            byte[] blob = fixture.randomBlob(4 * SECTOR + 10);

            StripeWrite written = fixture.write(7, blob);

            // Systematic code: data shard 1 of stripe 0 is blob bytes [4096, 8192).
            byte[] shard = fixture.device(1).stored(7);
            assertArrayEquals(java.util.Arrays.copyOfRange(blob, SECTOR, 2 * SECTOR), shard);
            // Stripe 1 holds 10 bytes and zero padding.
            byte[] padded = new byte[SECTOR];
            System.arraycopy(blob, 4 * SECTOR, padded, 0, 10);
            assertArrayEquals(padded, fixture.device(0).stored(8));
            // Digest of shard (stripe position 1, slot 5) is listed at 1 * 6 + 5.
            assertArrayEquals(
                    ShardDigest.of(8, 5, fixture.device(5).stored(8)),
                    written.shardDigests().get(11));
        }
    }

    @ParameterizedTest(name = "{0}+{1}")
    @CsvSource({"4, 2", "8, 4"})
    void read_withMServersDown_decodesEverything(int k, int m) {
        try (ArrayFixture fixture = new ArrayFixture(k, m)) {
            byte[] blob = fixture.randomBlob(3 * k * SECTOR + 77);
            StripeWrite written = fixture.write(0, blob);
            // Data slots hurt most: every lost one must be decoded.
            for (int s = 0; s < m; s++) {
                fixture.device(s).setFault(InMemorySectorDevice.Fault.UNAVAILABLE);
            }

            assertArrayEquals(blob, fixture.read(written));
            for (int s = 0; s < m; s++) {
                assertEquals(3 + 1, fixture.faultCount(s, ShardFault.Kind.UNAVAILABLE));
                assertEquals(4, fixture.array.health().slots().get(s).unavailableCount());
            }
        }
    }

    @ParameterizedTest(name = "{0}+{1}")
    @CsvSource({"4, 2", "8, 4"})
    void read_withMPlusOneServersDown_failsTypedAndReturnsNoData(int k, int m) {
        try (ArrayFixture fixture = new ArrayFixture(k, m)) {
            StripeWrite written = fixture.write(0, fixture.randomBlob(2 * k * SECTOR));
            for (int s = k + m - 1; s >= k - 1; s--) {
                fixture.device(s).setFault(InMemorySectorDevice.Fault.UNAVAILABLE);
            }

            Throwable failure =
                    failureOf(fixture.array.read(written.stripes(), written.lengthBytes(), written.shardDigests()));

            ArrayReadException readFailure = assertInstanceOf(ArrayReadException.class, failure);
            Set<Integer> badSlots = new HashSet<>();
            readFailure.faults().forEach(fault -> badSlots.add(fault.slot()));
            assertEquals(m + 1, badSlots.size(), readFailure.getMessage());
            assertTrue(readFailure.faults().stream().allMatch(f -> f.kind() == ShardFault.Kind.UNAVAILABLE));
        }
    }

    @Test
    void read_withMServersHanging_timesOutAndDecodes() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            byte[] blob = fixture.randomBlob(3 * 4 * SECTOR);
            StripeWrite written = fixture.write(0, blob);
            fixture.device(0).setFault(InMemorySectorDevice.Fault.HANG);
            fixture.device(3).setFault(InMemorySectorDevice.Fault.HANG);

            assertArrayEquals(blob, fixture.read(written));
            assertEquals(3, fixture.faultCount(0, ShardFault.Kind.UNAVAILABLE));
            assertEquals(3, fixture.faultCount(3, ShardFault.Kind.UNAVAILABLE));
        }
    }

    @ParameterizedTest(name = "{0}+{1}")
    @CsvSource({"4, 2", "8, 4"})
    void read_withMServersRolledBack_returnsTheLatestBlob(int k, int m) {
        try (ArrayFixture fixture = new ArrayFixture(k, m)) {
            long[] stripes = ArrayFixture.stripes(40, 3);
            ArrayFixture.await(fixture.array.write(stripes, fixture.randomBlob(3 * k * SECTOR)));
            List<Map<Long, byte[]>> old = new ArrayList<>();
            fixture.devices.forEach(device -> old.add(device.snapshot()));
            ArrayFixture.await(fixture.array.trim(stripes));
            byte[] latest = fixture.randomBlob(3 * k * SECTOR);
            StripeWrite written = ArrayFixture.await(fixture.array.write(stripes, latest));
            // Rolled back: a data slot, a parity slot, and so on, each serving its old image.
            for (int r = 0; r < m; r++) {
                fixture.device(2 * r).restore(old.get(2 * r));
            }

            assertArrayEquals(latest, fixture.read(written));
            for (int r = 0; r < m; r++) {
                if (2 * r < k) {
                    assertEquals(3, fixture.faultCount(2 * r, ShardFault.Kind.DIGEST_MISMATCH));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}+{1}")
    @CsvSource({"4, 2", "8, 4"})
    void read_withCorruptShardsInMServers_recoversAndReportsThem(int k, int m) {
        try (ArrayFixture fixture = new ArrayFixture(k, m)) {
            byte[] blob = fixture.randomBlob(2 * k * SECTOR);
            StripeWrite written = fixture.write(0, blob);
            for (int s = 0; s < m; s++) {
                fixture.device(s).corrupt(1, 100 * s);
            }

            assertArrayEquals(blob, fixture.read(written));
            for (int s = 0; s < m; s++) {
                assertEquals(1, fixture.faultCount(s, ShardFault.Kind.DIGEST_MISMATCH));
                ArrayHealth.SlotHealth health = fixture.array.health().slots().get(s);
                assertEquals(1, health.lieCount());
                assertEquals("node-" + s, health.nodeId());
            }
        }
    }

    /**
     * The skip-digest negative control does what it says: one corrupt data shard, which the
     * checked read decodes around, comes back garbled and blames nobody.
     */
    @Test
    void read_withDigestChecksSkippedForTheNegativeControl_returnsTheCorruptShardAsIs() {
        try (ArrayFixture checked = new ArrayFixture(4, 2);
                ArrayFixture unchecked =
                        new ArrayFixture(4, 2, SectorArray.Builder::uncheckedShardDigestsForNegativeControl)) {
            byte[] blob = checked.randomBlob(4 * SECTOR);
            StripeWrite checkedWrite = checked.write(0, blob);
            StripeWrite uncheckedWrite = unchecked.write(0, blob);
            checked.device(0).corrupt(0, 7);
            unchecked.device(0).corrupt(0, 7);

            assertArrayEquals(blob, checked.read(checkedWrite));
            byte[] garbled = unchecked.read(uncheckedWrite);

            assertEquals(blob.length, garbled.length);
            assertFalse(Arrays.equals(blob, garbled), "the corrupt shard was taken as good");
            assertEquals(0, unchecked.faultCount(0, ShardFault.Kind.DIGEST_MISMATCH));
        }
    }

    @Test
    void read_withMoreThanMCorruptShardsInAStripe_failsAndNeverReturnsWrongData() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            StripeWrite written = fixture.write(0, fixture.randomBlob(2 * 4 * SECTOR));
            fixture.device(0).corrupt(1, 0);
            fixture.device(4).corrupt(1, 0);
            fixture.device(5).corrupt(1, 0);

            ArrayReadException failure = assertInstanceOf(
                    ArrayReadException.class,
                    failureOf(fixture.array.read(written.stripes(), written.lengthBytes(), written.shardDigests())));

            assertEquals(1, failure.sectorIndex());
            assertEquals(3, failure.faults().size(), failure.getMessage());
            assertTrue(failure.faults().stream().allMatch(f -> f.kind() == ShardFault.Kind.DIGEST_MISMATCH));
            // Fewer than k shards matched, so nothing proves which side is stale: no server is blamed.
            assertNoServerBlamed(fixture);
        }
    }

    private static void assertNoServerBlamed(ArrayFixture fixture) {
        for (int s = 0; s < 6; s++) {
            assertEquals(0, fixture.faultCount(s, ShardFault.Kind.DIGEST_MISMATCH), "slot " + s);
            assertEquals(0, fixture.array.health().slots().get(s).lieCount(), "slot " + s);
        }
    }

    @Test
    void read_withStalePins_blamesNoServer() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            long[] stripes = ArrayFixture.stripes(10, 2);
            StripeWrite old = ArrayFixture.await(fixture.array.write(stripes, fixture.randomBlob(2 * 4 * SECTOR)));
            ArrayFixture.await(fixture.array.trim(stripes));
            ArrayFixture.await(fixture.array.write(stripes, fixture.randomBlob(2 * 4 * SECTOR)));

            // A reader that still holds the old version's pins: every shard mismatches.
            ArrayReadException failure = assertInstanceOf(
                    ArrayReadException.class,
                    failureOf(fixture.array.read(stripes, old.lengthBytes(), old.shardDigests())));

            assertFalse(failure.faults().isEmpty());
            assertNoServerBlamed(fixture);
        }
    }

    @Test
    void read_withMisdirectedShards_recovers() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            byte[] blob = fixture.randomBlob(3 * 4 * SECTOR);
            StripeWrite written = fixture.write(0, blob);
            fixture.device(2).setFault(InMemorySectorDevice.Fault.MISDIRECT);

            assertArrayEquals(blob, fixture.read(written));
            assertEquals(3, fixture.faultCount(2, ShardFault.Kind.DIGEST_MISMATCH));
        }
    }

    @Test
    void read_withShardOfAnotherSlotAtTheRightSector_rejectsIt() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            byte[] blob = fixture.randomBlob(4 * SECTOR);
            StripeWrite written = fixture.write(0, blob);
            // Slot 1 serves slot 0's shard: right sector, wrong slot. The digest binds the slot.
            fixture.device(1).restore(fixture.device(0).snapshot());

            assertArrayEquals(blob, fixture.read(written));
            assertEquals(1, fixture.faultCount(1, ShardFault.Kind.DIGEST_MISMATCH));
        }
    }

    @Test
    void read_withBadProofs_recoversAndReportsThem() {
        try (ArrayFixture fixture = new ArrayFixture(8, 4)) {
            byte[] blob = fixture.randomBlob(2 * 8 * SECTOR + 5);
            StripeWrite written = fixture.write(0, blob);
            fixture.device(1).setFault(InMemorySectorDevice.Fault.BAD_PROOF);
            fixture.device(6).setFault(InMemorySectorDevice.Fault.BAD_PROOF);

            assertArrayEquals(blob, fixture.read(written));
            assertEquals(3, fixture.faultCount(1, ShardFault.Kind.BAD_PROOF));
            assertEquals(3, fixture.array.health().slots().get(6).lieCount());
        }
    }

    @Test
    void read_withMalformedReplies_countsThemAsLiesAndRecovers() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            byte[] blob = fixture.randomBlob(2 * 4 * SECTOR);
            StripeWrite written = fixture.write(0, blob);
            fixture.device(3).setFault(InMemorySectorDevice.Fault.TRUNCATE);

            assertArrayEquals(blob, fixture.read(written));
            assertEquals(2, fixture.faultCount(3, ShardFault.Kind.MALFORMED_REPLY));
            assertEquals(2, fixture.array.health().slots().get(3).lieCount());
        }
    }

    @Test
    void read_withAThrowingFaultListener_stillRecovers() {
        try (ArrayFixture fixture = new ArrayFixture(
                4,
                2,
                builder -> builder.faultListener(fault -> {
                    throw new IllegalStateException("listener bug");
                }))) {
            byte[] blob = fixture.randomBlob(4 * SECTOR);
            StripeWrite written = fixture.write(0, blob);
            fixture.device(0).corrupt(0, 0);

            assertArrayEquals(blob, fixture.read(written));
            assertEquals(1, fixture.array.health().slots().get(0).lieCount());
        }
    }

    @Test
    void read_withOneFaultOfEachKind_recoversWithinM() {
        try (ArrayFixture fixture = new ArrayFixture(8, 4)) {
            byte[] blob = fixture.randomBlob(3 * 8 * SECTOR);
            StripeWrite written = fixture.write(0, blob);
            fixture.device(0).setFault(InMemorySectorDevice.Fault.HANG);
            fixture.device(3).setFault(InMemorySectorDevice.Fault.BAD_PROOF);
            fixture.device(5).corrupt(2, 9);
            fixture.device(8).setFault(InMemorySectorDevice.Fault.REFUSE);

            assertArrayEquals(blob, fixture.read(written));
            assertEquals(3, fixture.faultCount(8, ShardFault.Kind.REFUSED));
            // The fifth bad shard in stripe 2 is one too many.
            fixture.device(9).corrupt(2, 9);
            ArrayReadException failure = assertInstanceOf(
                    ArrayReadException.class,
                    failureOf(fixture.array.read(written.stripes(), written.lengthBytes(), written.shardDigests())));
            assertEquals(2, failure.sectorIndex());
        }
    }

    @Test
    void read_withWrongArguments_isRefused() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            StripeWrite written = fixture.write(0, fixture.randomBlob(SECTOR));
            List<byte[]> digests = written.shardDigests();

            assertThrows(IllegalArgumentException.class, () -> fixture.array.read(new long[] {0, 1}, SECTOR, digests));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> fixture.array.read(new long[] {0}, SECTOR, digests.subList(0, 5)));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> fixture.array.write(new long[] {3, 3}, fixture.randomBlob(5 * SECTOR)));
        }
    }

    @Test
    void trim_zeroesTheStripesOnEveryServer() {
        try (ArrayFixture fixture = new ArrayFixture(4, 2)) {
            StripeWrite written = fixture.write(0, fixture.randomBlob(3 * 4 * SECTOR));

            ArrayFixture.await(fixture.array.trim(written.stripes()));

            for (InMemorySectorDevice device : fixture.devices) {
                for (long stripe : written.stripes()) {
                    assertTrue(!device.holds(stripe), device.nodeId() + " still holds " + stripe);
                }
            }
            assertInstanceOf(
                    ArrayReadException.class,
                    failureOf(fixture.array.read(written.stripes(), written.lengthBytes(), written.shardDigests())));
        }
    }
}
