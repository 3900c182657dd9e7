package dev.ratchet.sector.array;

import dev.ratchet.sector.codec.CauchyCode;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The mapping between a blob, the stripes it occupies and their shards, for k data and m parity slots.
 *
 * <p>A blob is cut into stripes of {@code k × 4096} bytes, the last one padded with zeros. Stripe
 * position p (its place in the caller's stripe list) holds blob bytes {@code [p·k·4096, (p+1)·k·4096)};
 * data shard i of it is bytes {@code [(p·k + i)·4096, +4096)}, stored as sector {@code stripes[p]} on
 * slot i, and parity shard j is stored as the same sector on slot k + j. Shard digests are listed
 * stripe-major: the digest of shard {@code slot} of stripe position p is at {@code p·(k+m) + slot}.
 */
final class StripeLayout {
    private final int dataSlotCount;
    private final int paritySlotCount;

    StripeLayout(int dataSlotCount, int paritySlotCount) {
        if (dataSlotCount < 1 || paritySlotCount < 1) {
            throw new IllegalArgumentException("need k ≥ 1 and m ≥ 1, got " + dataSlotCount + "+" + paritySlotCount);
        }
        if (dataSlotCount + paritySlotCount > CauchyCode.STRIPE_SECTORS_MAX) {
            throw new IllegalArgumentException(
                    "k + m > " + CauchyCode.STRIPE_SECTORS_MAX + ": " + dataSlotCount + "+" + paritySlotCount);
        }
        this.dataSlotCount = dataSlotCount;
        this.paritySlotCount = paritySlotCount;
    }

    int dataSlotCount() {
        return dataSlotCount;
    }

    int paritySlotCount() {
        return paritySlotCount;
    }

    int slotCount() {
        return dataSlotCount + paritySlotCount;
    }

    /** Returns the bit mask with one bit per slot. */
    long allSlotsMask() {
        return slotCount() == Long.SIZE ? -1L : (1L << slotCount()) - 1;
    }

    /** Returns the bit mask of the data slots 0 to k − 1. */
    long dataSlotsMask() {
        return (1L << dataSlotCount) - 1;
    }

    /** Returns the blob bytes one stripe holds. */
    int stripeDataBytes() {
        return dataSlotCount * CauchyCode.SECTOR_SIZE_BYTES;
    }

    /** Returns how many stripes a blob of {@code lengthBytes} occupies; an empty blob occupies none. */
    int stripeCountFor(int lengthBytes) {
        if (lengthBytes < 0) {
            throw new IllegalArgumentException("lengthBytes < 0: " + lengthBytes);
        }
        return (int) (((long) lengthBytes + stripeDataBytes() - 1) / stripeDataBytes());
    }

    /** Returns where the digest of shard {@code slot} of stripe position {@code stripePosition} is listed. */
    int digestIndex(int stripePosition, int slot) {
        return stripePosition * slotCount() + slot;
    }

    /** Returns data shard {@code dataSlot} of stripe position {@code stripePosition}, zero-padded past the blob. */
    byte[] dataShard(byte[] blob, int stripePosition, int dataSlot) {
        byte[] shard = new byte[CauchyCode.SECTOR_SIZE_BYTES];
        long offset = shardOffsetBytes(stripePosition, dataSlot);
        if (offset < blob.length) {
            int lengthBytes = (int) Math.min(shard.length, blob.length - offset);
            System.arraycopy(blob, (int) offset, shard, 0, lengthBytes);
        }
        return shard;
    }

    /** Copies data shard {@code dataSlot} of stripe position {@code stripePosition} into its place in {@code blob}. */
    void copyDataShard(byte[] shard, int stripePosition, int dataSlot, byte[] blob) {
        long offset = shardOffsetBytes(stripePosition, dataSlot);
        if (offset < blob.length) {
            int lengthBytes = (int) Math.min(shard.length, blob.length - offset);
            System.arraycopy(shard, 0, blob, (int) offset, lengthBytes);
        }
    }

    /** Checks that {@code stripes} names distinct, non-negative sector indices. */
    static void checkStripes(long[] stripes) {
        Set<Long> seen = new HashSet<>();
        for (int p = 0; p < stripes.length; p++) {
            if (stripes[p] < 0) {
                throw new IllegalArgumentException("stripes[" + p + "] is negative: " + stripes[p]);
            }
            if (!seen.add(stripes[p])) {
                throw new IllegalArgumentException(
                        "stripes lists sector " + stripes[p] + " twice: " + Arrays.toString(stripes));
            }
        }
    }

    /** Checks that {@code digests} has one 32-byte digest per shard of {@code stripeCount} stripes. */
    void checkDigests(List<byte[]> digests, int stripeCount) {
        int expected = stripeCount * slotCount();
        if (digests.size() != expected) {
            throw new IllegalArgumentException("expected " + expected + " shard digests for " + stripeCount
                    + " stripes of " + slotCount() + " shards, got " + digests.size());
        }
        for (int d = 0; d < digests.size(); d++) {
            if (digests.get(d).length != ShardDigest.SIZE_BYTES) {
                throw new IllegalArgumentException(
                        "shard digest " + d + " is " + digests.get(d).length + " bytes, not " + ShardDigest.SIZE_BYTES);
            }
        }
    }

    private long shardOffsetBytes(int stripePosition, int dataSlot) {
        return ((long) stripePosition * dataSlotCount + dataSlot) * CauchyCode.SECTOR_SIZE_BYTES;
    }
}
