package dev.ratchet.sector.server;

import static dev.ratchet.sector.server.SectorServerFixture.sector;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The off-heap store on its own, with small chunks so several buffers are covered cheaply. */
class SectorStoreTest {
    // Four sectors per buffer: 10 sectors span three buffers, the last one short.
    private final SectorStore store = new SectorStore(10, 2);

    @Test
    void sectorsAcrossChunks_roundTripAndStartZeroed() {
        store.write(new long[] {3, 4, 9}, new byte[][] {sector(1), sector(2), sector(3)});

        byte[][] read = store.read(new long[] {9, 4, 3, 8, 0});

        assertArrayEquals(sector(3), read[0]);
        assertArrayEquals(sector(2), read[1]);
        assertArrayEquals(sector(1), read[2]);
        assertArrayEquals(sector(0), read[3]);
        assertArrayEquals(sector(0), read[4]);
        assertEquals(3, store.usedSectors());
    }

    @Test
    void usedSectors_countsWrittenUntrimmedSectorsOnce() {
        store.write(new long[] {1}, new byte[][] {sector(1)});
        store.write(new long[] {1}, new byte[][] {sector(0)});
        store.trim(new long[] {2});
        assertEquals(1, store.usedSectors());

        store.trim(new long[] {1, 1});

        assertEquals(0, store.usedSectors());
        assertArrayEquals(sector(0), store.read(new long[] {1})[0]);
    }

    @Test
    void badArguments_areBugsAndChangeNothing() {
        assertThrows(IllegalArgumentException.class, () -> store.read(new long[] {10}));
        assertThrows(IllegalArgumentException.class, () -> store.read(new long[] {-1}));
        assertThrows(
                IllegalArgumentException.class,
                () -> store.write(new long[] {0, 10}, new byte[][] {sector(1), sector(1)}));
        assertThrows(IllegalArgumentException.class, () -> store.write(new long[] {0}, new byte[][] {new byte[4095]}));
        assertThrows(IllegalArgumentException.class, () -> new SectorStore(0));
        assertThrows(IllegalArgumentException.class, () -> new SectorStore(SectorStore.CAPACITY_SECTORS_MAX + 1));
        assertEquals(0, store.usedSectors());
        assertArrayEquals(sector(0), store.read(new long[] {0})[0]);
    }

    @Test
    void snapshotRestoreAndDump_coverEveryChunk() {
        store.write(new long[] {0, 9}, new byte[][] {sector(1), sector(2)});
        TestHooks.Snapshot snapshot = store.snapshot();
        store.write(new long[] {5, 9}, new byte[][] {sector(3), sector(4)});

        store.restore(snapshot);

        assertArrayEquals(sector(2), store.read(new long[] {9})[0]);
        assertArrayEquals(sector(0), store.read(new long[] {5})[0]);
        assertEquals(2, store.usedSectors());
        byte[] ram = store.dumpRam();
        assertEquals(10 * SectorStore.SECTOR_BYTES, ram.length);
        assertEquals(2, ram[9 * SectorStore.SECTOR_BYTES + 4095]);
    }
}
