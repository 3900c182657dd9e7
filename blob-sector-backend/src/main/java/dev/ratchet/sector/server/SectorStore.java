package dev.ratchet.sector.server;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The sector server's RAM: a fixed number of 4096-byte sectors held off-heap, allocated once at
 * start and never grown.
 *
 * <p>Sectors live in direct buffers so they are neither moved nor copied by the garbage collector
 * (a copy would leave stale ciphertext behind in freed heap) and so a large store does not inflate
 * heap pauses. The JVM zeroes direct memory when it allocates it, so an unwritten sector reads as
 * zeros, the same as a trimmed one. Indices map directly to offsets: a sector has exactly one home,
 * so any index below capacity always has room and the store can never be "full".
 *
 * <p>Callers validate indices and sizes first (and answer with the protocol's errors); the store
 * checks them again and throws {@link IllegalArgumentException}, because a bad index here is a bug.
 * Thread-safe: reads share {@link #lock}; writes, trims and the test hooks hold it exclusively, so
 * a read never sees half of a write.
 */
final class SectorStore {
    /** Bytes in a sector. */
    static final int SECTOR_BYTES = 4096;

    /**
     * Sectors per direct buffer, as a power of two: 2^18 sectors is 1 GiB, under the 2 GiB a
     * direct buffer can address with its int index, and a shift and mask split an index.
     */
    static final int CHUNK_SECTORS_SHIFT = 18;

    /** The largest store: the used-sector bitmap is int-indexed, so 2^31 - 1 sectors (8 TiB). */
    static final long CAPACITY_SECTORS_MAX = Integer.MAX_VALUE;

    private static final byte[] ZERO_SECTOR = new byte[SECTOR_BYTES];

    private final long capacitySectors;
    private final int chunkSectorsShift;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    // The buffers' contents are guarded by lock; the array itself never changes.
    private final ByteBuffer[] chunks;
    // Guarded by lock: which sectors hold written, untrimmed data, and how many.
    private final BitSet used;
    private long usedSectors;

    /** Test hooks only: every write is stored with one bit flipped, as a host corrupting RAM would. */
    private volatile boolean corruptWrites;

    /** The byte {@link #corruptWrites} flips, away from any header a shard might have. */
    private static final int CORRUPTED_BYTE_OFFSET = 2048;

    /**
     * Allocates a store of {@code capacitySectors} zeroed sectors.
     *
     * @throws IllegalArgumentException if the capacity is not in [1, {@link #CAPACITY_SECTORS_MAX}]
     * @throws OutOfMemoryError if the JVM's direct-memory limit is smaller than the store
     */
    SectorStore(long capacitySectors) {
        this(capacitySectors, CHUNK_SECTORS_SHIFT);
    }

    // The chunk size is a parameter only so tests can cover several chunks without gigabytes.
    SectorStore(long capacitySectors, int chunkSectorsShift) {
        if (chunkSectorsShift < 0 || chunkSectorsShift > CHUNK_SECTORS_SHIFT) {
            throw new IllegalArgumentException(
                    "chunk shift must be 0.." + CHUNK_SECTORS_SHIFT + ": " + chunkSectorsShift);
        }
        if (capacitySectors < 1 || capacitySectors > CAPACITY_SECTORS_MAX) {
            throw new IllegalArgumentException(
                    "capacity must be 1.." + CAPACITY_SECTORS_MAX + " sectors: " + capacitySectors);
        }
        this.capacitySectors = capacitySectors;
        this.chunkSectorsShift = chunkSectorsShift;
        long chunkSectors = 1L << chunkSectorsShift;
        int chunkCount = (int) ((capacitySectors + chunkSectors - 1) >>> chunkSectorsShift);
        this.chunks = new ByteBuffer[chunkCount];
        for (int i = 0; i < chunkCount; i++) {
            long sectorsInChunk = Math.min(chunkSectors, capacitySectors - ((long) i << chunkSectorsShift));
            chunks[i] = ByteBuffer.allocateDirect((int) sectorsInChunk * SECTOR_BYTES);
        }
        this.used = new BitSet((int) capacitySectors);
    }

    long capacitySectors() {
        return capacitySectors;
    }

    long usedSectors() {
        lock.readLock().lock();
        try {
            return usedSectors;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Returns copies of the sectors at {@code indices}, in order. */
    byte[][] read(long[] indices) {
        requireInRange(indices);
        byte[][] sectors = new byte[indices.length][];
        lock.readLock().lock();
        try {
            for (int i = 0; i < indices.length; i++) {
                sectors[i] = new byte[SECTOR_BYTES];
                chunk(indices[i]).get(offset(indices[i]), sectors[i]);
            }
        } finally {
            lock.readLock().unlock();
        }
        return sectors;
    }

    /** Stores {@code sectors[i]} at {@code indices[i]}, all or nothing (every argument is checked first). */
    void write(long[] indices, byte[][] sectors) {
        requireInRange(indices);
        if (sectors.length != indices.length) {
            throw new IllegalArgumentException(indices.length + " indices but " + sectors.length + " sectors");
        }
        for (byte[] sector : sectors) {
            if (sector.length != SECTOR_BYTES) {
                throw new IllegalArgumentException("a sector is " + SECTOR_BYTES + " bytes, not " + sector.length);
            }
        }
        lock.writeLock().lock();
        try {
            for (int i = 0; i < indices.length; i++) {
                ByteBuffer chunk = chunk(indices[i]);
                chunk.put(offset(indices[i]), sectors[i]);
                if (corruptWrites) {
                    int at = offset(indices[i]) + CORRUPTED_BYTE_OFFSET;
                    chunk.put(at, (byte) (chunk.get(at) ^ 0x01));
                }
                markUsed(indices[i], true);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Zeroes the sectors at {@code indices} and counts them as unused. */
    void trim(long[] indices) {
        requireInRange(indices);
        lock.writeLock().lock();
        try {
            for (long index : indices) {
                chunk(index).put(offset(index), ZERO_SECTOR);
                markUsed(index, false);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Returns a copy of every byte of RAM and of the used-sector bitmap (test hooks only). */
    TestHooks.Snapshot snapshot() {
        lock.readLock().lock();
        try {
            return new TestHooks.Snapshot(copyRam(), (BitSet) used.clone(), usedSectors);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Puts back RAM and the bitmap exactly as {@code snapshot} saw them (test hooks only). */
    void restore(TestHooks.Snapshot snapshot) {
        if (snapshot.ram().length != capacitySectors * SECTOR_BYTES) {
            throw new IllegalArgumentException("snapshot is of a store of another size");
        }
        lock.writeLock().lock();
        try {
            for (long index = 0; index < capacitySectors; index++) {
                chunk(index).put(offset(index), snapshot.ram(), Math.toIntExact(index * SECTOR_BYTES), SECTOR_BYTES);
            }
            used.clear();
            used.or(snapshot.used());
            usedSectors = snapshot.usedSectors();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** From now on, stores every written sector with one bit flipped, or stops (test hooks only). */
    void corruptWrites(boolean on) {
        corruptWrites = on;
    }

    /** XORs one byte of a stored sector with {@code mask} (test hooks only). */
    void flipBits(long index, int byteOffset, int mask) {
        requireInRange(new long[] {index});
        if (byteOffset < 0 || byteOffset >= SECTOR_BYTES) {
            throw new IllegalArgumentException("byte offset must be 0.." + (SECTOR_BYTES - 1) + ": " + byteOffset);
        }
        lock.writeLock().lock();
        try {
            ByteBuffer chunk = chunk(index);
            int at = offset(index) + byteOffset;
            chunk.put(at, (byte) (chunk.get(at) ^ mask));
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Returns the used sectors' indices, ascending (test hooks only). */
    long[] usedIndices() {
        lock.readLock().lock();
        try {
            return used.stream().asLongStream().toArray();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Returns a copy of all sector RAM, index order (test hooks only). */
    byte[] dumpRam() {
        lock.readLock().lock();
        try {
            return copyRam();
        } finally {
            lock.readLock().unlock();
        }
    }

    // Caller holds the lock.
    private byte[] copyRam() {
        long bytes = capacitySectors * SECTOR_BYTES;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("a " + bytes + "-byte store is too large to copy into one array");
        }
        byte[] ram = new byte[(int) bytes];
        for (long index = 0; index < capacitySectors; index++) {
            chunk(index).get(offset(index), ram, (int) (index * SECTOR_BYTES), SECTOR_BYTES);
        }
        return ram;
    }

    // Caller holds the write lock.
    private void markUsed(long index, boolean nowUsed) {
        int bit = (int) index;
        if (used.get(bit) != nowUsed) {
            used.set(bit, nowUsed);
            usedSectors += nowUsed ? 1 : -1;
        }
    }

    private void requireInRange(long[] indices) {
        for (long index : indices) {
            if (index < 0 || index >= capacitySectors) {
                throw new IllegalArgumentException(
                        "sector " + Long.toUnsignedString(index) + " is outside [0, " + capacitySectors + ")");
            }
        }
    }

    private ByteBuffer chunk(long index) {
        return chunks[(int) (index >>> chunkSectorsShift)];
    }

    private int offset(long index) {
        return (int) (index & ((1L << chunkSectorsShift) - 1)) * SECTOR_BYTES;
    }
}
