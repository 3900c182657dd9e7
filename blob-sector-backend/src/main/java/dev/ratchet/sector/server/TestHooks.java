package dev.ratchet.sector.server;

import java.util.BitSet;

/**
 * INSECURE test access to a sector server's RAM: snapshot and restore it (a rollback), flip bits
 * in a stored sector (corruption), and dump it (to search for plaintext).
 *
 * <p>These are the attacks a malicious host can mount on a real TEE's memory only by breaking the
 * TEE; tests mount them directly so the array's defences (pinned digests, decoding around bad
 * shards) are exercised against a real server. Hooks exist only when a test passes {@link
 * #enabled()} to {@link SectorServer.Builder#testHooks}; the server then refuses to start unless
 * its identity is on the SIMULATED platform, and logs an INSECURE warning. No production code path
 * creates one: the {@code ratchet sector-server} command has no option for it.
 *
 * <p>An instance is attached to exactly one server when that server starts; calling a hook before
 * then throws {@link IllegalStateException}. Thread-safe: each hook takes the store's lock.
 */
public final class TestHooks {
    // Set once, when the server starts.
    private volatile SectorStore store;

    private TestHooks() {}

    /** Returns fresh hooks, to be passed to exactly one server. */
    public static TestHooks enabled() {
        return new TestHooks();
    }

    /** Returns a copy of the server's whole sector RAM and its used-sector bookkeeping. */
    public Snapshot snapshot() {
        return store().snapshot();
    }

    /** Puts the server's RAM back to {@code snapshot}, as a host restoring an old VM image would. */
    public void restore(Snapshot snapshot) {
        store().restore(snapshot);
    }

    /** XORs byte {@code byteOffset} of sector {@code sectorIndex} with {@code mask}. */
    public void flipBits(long sectorIndex, int byteOffset, int mask) {
        store().flipBits(sectorIndex, byteOffset, mask);
    }

    /** Returns a copy of all sector RAM in index order. */
    public byte[] dumpRam() {
        return store().dumpRam();
    }

    synchronized void attach(SectorStore target) {
        if (store != null) {
            throw new IllegalStateException("these test hooks are already attached to a server");
        }
        store = target;
    }

    private SectorStore store() {
        SectorStore attached = store;
        if (attached == null) {
            throw new IllegalStateException("test hooks are not attached to a started server");
        }
        return attached;
    }

    /** A copy of a server's sector RAM at one moment; opaque outside this package. */
    public static final class Snapshot {
        private final byte[] ram;
        private final BitSet used;
        private final long usedSectors;

        Snapshot(byte[] ram, BitSet used, long usedSectors) {
            this.ram = ram;
            this.used = used;
            this.usedSectors = usedSectors;
        }

        byte[] ram() {
            return ram;
        }

        BitSet used() {
            return used;
        }

        long usedSectors() {
            return usedSectors;
        }
    }
}
