package dev.ratchet.tablet;

import dev.ratchet.tablet.proto.Slot;
import dev.ratchet.tablet.proto.SlotState;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The sector array's shape and membership: the erasure-code geometry, one slot per sector server,
 * the death-record version, and every node id ever declared dead.
 *
 * <p>The death-record version only grows: each death carries a version above the current one, so
 * an array client can tell a newer view from an older one. Dead is permanent for an identity: a
 * dead node id can never take a slot again. Not thread-safe.
 */
final class SectorArray {
    private final int dataShards;
    private final int parityShards;
    private final List<Slot> slots;
    private long deathRecordVersion;
    private final TreeSet<String> deadNodeIds = new TreeSet<>();

    SectorArray(int dataShards, int parityShards, List<Slot> slots) {
        if (slots.size() != dataShards + parityShards) {
            throw new IllegalArgumentException(slots.size() + " slots for k=" + dataShards + ", m=" + parityShards);
        }
        this.dataShards = dataShards;
        this.parityShards = parityShards;
        this.slots = new ArrayList<>(slots);
    }

    int dataShards() {
        return dataShards;
    }

    int parityShards() {
        return parityShards;
    }

    int slotCount() {
        return slots.size();
    }

    /** Returns the slot at {@code index}; the caller checked the index. */
    Slot slot(int index) {
        return slots.get(index);
    }

    List<Slot> slots() {
        return slots;
    }

    long deathRecordVersion() {
        return deathRecordVersion;
    }

    TreeSet<String> deadNodeIds() {
        return deadNodeIds;
    }

    /** Returns whether {@code nodeId} is dead or holds a slot, so it cannot take another. */
    boolean isUnusable(String nodeId) {
        if (deadNodeIds.contains(nodeId)) {
            return true;
        }
        for (Slot slot : slots) {
            if (slot.getNodeId().equals(nodeId)) {
                return true;
            }
        }
        return false;
    }

    /** Returns the number of slots not LIVE. */
    int degradedCount() {
        int count = 0;
        for (Slot slot : slots) {
            if (slot.getState() != SlotState.SLOT_LIVE) {
                count++;
            }
        }
        return count;
    }

    /** Returns the number of LIVE slots. */
    int liveCount() {
        return slots.size() - degradedCount();
    }

    /** Marks a slot dead with a new death-record version; the caller checked the version grows. */
    void markDead(int index, long newDeathRecordVersion) {
        if (Long.compareUnsigned(newDeathRecordVersion, deathRecordVersion) <= 0) {
            throw new IllegalStateException(
                    "death-record version " + newDeathRecordVersion + " <= " + deathRecordVersion);
        }
        Slot slot = slots.get(index);
        deadNodeIds.add(slot.getNodeId());
        slots.set(
                index,
                slot.toBuilder()
                        .setState(SlotState.SLOT_DEAD)
                        .clearRebuilderCacheNodeId()
                        .clearRebuildStripesDone()
                        .clearRebuildStripesTotal()
                        .build());
        deathRecordVersion = newDeathRecordVersion;
    }

    /** Puts a replacement server into a slot, in {@code state}. */
    void setSlot(int index, String nodeId, String address, SlotState state) {
        slots.set(
                index,
                Slot.newBuilder()
                        .setSlotIndex(index)
                        .setNodeId(nodeId)
                        .setAddress(address)
                        .setState(state)
                        .build());
    }

    /** Records who rebuilds a REBUILDING slot and how far it got; the caller checked the state. */
    void setRebuild(int index, String rebuilderCacheNodeId, long stripesDone, long stripesTotal) {
        slots.set(
                index,
                slots.get(index).toBuilder()
                        .setRebuilderCacheNodeId(rebuilderCacheNodeId)
                        .setRebuildStripesDone(stripesDone)
                        .setRebuildStripesTotal(stripesTotal)
                        .build());
    }

    /** Restores the death records read from a snapshot. */
    void restoreDeaths(long version, List<String> deadIds) {
        this.deathRecordVersion = version;
        this.deadNodeIds.addAll(deadIds);
    }
}
