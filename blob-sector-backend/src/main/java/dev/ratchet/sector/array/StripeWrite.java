package dev.ratchet.sector.array;

import java.util.List;

/**
 * A blob written to the array: what the tablet store pins to read it back.
 *
 * @param stripes the stripes' sector indices, in blob order
 * @param lengthBytes the blob's length
 * @param shardDigests one 32-byte digest per shard, stripe-major: the digest of shard {@code slot}
 *     of {@code stripes[p]} is at {@code p · (k + m) + slot}. Each is SHA-256 over {@code
 *     "ratchet/sector-shard/v1" ‖ 0x00 ‖ sector index (8 bytes, big-endian) ‖ slot (4 bytes,
 *     big-endian) ‖ the 4096 shard bytes}; shards of DEAD slots are digested too, so a later rebuild
 *     can verify what it decodes.
 * @param writtenSlotNodeIds per slot, the node id of the server that holds this blob's shards for
 *     it, or "" if some batch of the write skipped the slot as DEAD (or batches reached different
 *     servers). The tablet store refuses a blob that skipped a server it has LIVE or REBUILDING:
 *     such a server would lack it, and no rebuild would copy it.
 */
public record StripeWrite(long[] stripes, int lengthBytes, List<byte[]> shardDigests, List<String> writtenSlotNodeIds) {
    /** Creates the record, copying the lists. */
    public StripeWrite {
        stripes = stripes.clone();
        shardDigests = List.copyOf(shardDigests);
        writtenSlotNodeIds = List.copyOf(writtenSlotNodeIds);
    }

    /** Returns a copy of the stripes' sector indices. */
    @Override
    public long[] stripes() {
        return stripes.clone();
    }
}
