package dev.ratchet.sector.array;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One slot of the array as the array client sees it: a remote sector server, reached over an
 * attested channel, whose answers are checked before they are returned.
 *
 * <p>A device never returns unchecked data: {@link #read} completes only with sectors whose
 * signed-read proof verified under the server's attested key with this call's fresh nonce. What a
 * device cannot check is whether the data is <em>current</em> (a rolled-back server signs its old
 * data honestly); the array checks that against the shard digests pinned by the tablet store.
 *
 * <p>All methods are asynchronous and may be called concurrently; implementations pipeline them.
 * A failed future holds a {@link SectorDeviceException} saying what went wrong.
 */
public interface SectorDevice extends AutoCloseable {
    /** Returns the node id this device must be (the attested identity the channel verified). */
    String nodeId();

    /** Reads whole 4096-byte sectors, in the order of {@code sectorIndices}. */
    CompletableFuture<List<byte[]>> read(long[] sectorIndices);

    /** Writes whole 4096-byte sectors; {@code sectors.get(i)} goes to {@code sectorIndices[i]}. */
    CompletableFuture<Void> write(long[] sectorIndices, List<byte[]> sectors);

    /** Zeroes sectors. */
    CompletableFuture<Void> trim(long[] sectorIndices);

    /** Returns the server's capacity, use and authorization version. */
    CompletableFuture<DeviceStatus> status();

    /** Releases the channel; pending calls fail. */
    @Override
    void close();

    /**
     * A sector server's self-reported state.
     *
     * @param capacitySectors sectors the server holds
     * @param usedSectors sectors written and not trimmed
     * @param authorizationVersion version of its installed authorized-writer set, 0 if none
     * @param sectorsPerRequestMax the most sectors it accepts in one request
     */
    record DeviceStatus(long capacitySectors, long usedSectors, long authorizationVersion, int sectorsPerRequestMax) {}
}
