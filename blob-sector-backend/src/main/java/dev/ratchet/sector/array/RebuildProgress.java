package dev.ratchet.sector.array;

/**
 * How far a rebuild has come.
 *
 * @param stripesDone stripes whose shard is written to the new server and verified
 * @param stripesTotal stripes to rebuild
 * @param bytesPerSecond shard bytes written to the new server per second of rebuild so far
 */
public record RebuildProgress(long stripesDone, long stripesTotal, double bytesPerSecond) {
    /** Returns the rate in megabytes (10^6 bytes) per second. */
    public double megabytesPerSecond() {
        return bytesPerSecond / 1e6;
    }
}
