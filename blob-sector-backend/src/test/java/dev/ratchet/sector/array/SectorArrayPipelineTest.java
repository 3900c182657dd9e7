package dev.ratchet.sector.array;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.sector.codec.CauchyCode;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Many stripes in flight at once, within the window. */
class SectorArrayPipelineTest {
    private static final int SECTOR = CauchyCode.SECTOR_SIZE_BYTES;
    private static final int STRIPES = 200;
    private static final int WINDOW = 16;

    @Test
    void writeAndRead_of200Stripes_keepTheWindowFullButNeverOverIt() {
        try (ArrayFixture fixture = new ArrayFixture(
                4, 2, builder -> builder.stripesInFlightMax(WINDOW).stripesPerRequestMax(4))) {
            fixture.devices.forEach(InMemorySectorDevice::hold);
            byte[] blob = fixture.randomBlob(STRIPES * 4 * SECTOR - 100);
            long[] stripes = ArrayFixture.stripes(1_000, STRIPES);

            CompletableFuture<StripeWrite> write = fixture.array.write(stripes, blob);
            // Four batches of four stripes wait on every server before any answer comes back.
            for (InMemorySectorDevice device : fixture.devices) {
                assertEquals(WINDOW / 4, device.heldCallCount(), device.nodeId());
            }
            StripeWrite written = ArrayFixture.releaseUntilDone(write, fixture.devices);

            CompletableFuture<byte[]> read = fixture.array.read(stripes, blob.length, written.shardDigests());
            for (int s = 0; s < 4; s++) {
                assertEquals(
                        WINDOW / 4,
                        fixture.device(s).heldCallCount(),
                        fixture.device(s).nodeId());
            }
            assertEquals(0, fixture.device(4).heldCallCount(), "parity is not read when data is good");
            assertArrayEquals(blob, ArrayFixture.releaseUntilDone(read, fixture.devices));

            for (InMemorySectorDevice device : fixture.devices) {
                assertEquals(WINDOW, device.sectorsInFlightMax(), device.nodeId());
                assertEquals(STRIPES / 4, device.writeCalls(), device.nodeId());
            }
        }
    }

    @Test
    void read_ofManyStripesAroundHangingServers_staysWithinTheWindow() {
        // The timeout is what a read waits for the hanging server; it must also be long enough for
        // the healthy in-memory calls of the write on a loaded machine (50 ms was not).
        try (ArrayFixture fixture = new ArrayFixture(
                8, 4, builder -> builder.stripesInFlightMax(WINDOW).callTimeoutMillis(250))) {
            byte[] blob = fixture.randomBlob(STRIPES * 8 * SECTOR);
            StripeWrite written = fixture.write(0, blob);
            fixture.device(2).setFault(InMemorySectorDevice.Fault.HANG);
            fixture.device(9).setFault(InMemorySectorDevice.Fault.BAD_PROOF);

            assertArrayEquals(blob, fixture.read(written));

            // The batch size is capped by the window: 200 stripes in 13 calls of at most 16.
            assertEquals(13, fixture.device(0).writeCalls());
            for (InMemorySectorDevice device : fixture.devices) {
                assertTrue(device.sectorsInFlightMax() <= WINDOW, device.nodeId() + ": " + device.sectorsInFlightMax());
            }
            assertEquals(STRIPES, fixture.faultCount(2, ShardFault.Kind.UNAVAILABLE));
        }
    }
}
