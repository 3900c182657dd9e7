package dev.ratchet.tablet;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The consistent-hash ring: tablets by id, and which tablet owns each of the 2^64 positions.
 *
 * <p>Tablet ranges partition the ring: sorted by first position, the first starts at 0, each
 * next one starts right after the previous one ends, and the last ends at 2^64 - 1. Positions are
 * unsigned 64-bit values held in {@code long}s and always compared with
 * {@link Long#compareUnsigned}. Not thread-safe; guarded by the state machine's caller.
 */
final class Ring {
    private final TreeMap<Long, Tablet> byId = new TreeMap<>();
    private final TreeMap<Long, Long> idByFirst = new TreeMap<>(Long::compareUnsigned);

    /** Returns a ring of {@code count} empty tablets, ids 1..count, evenly splitting the positions. */
    static Ring evenlySplit(int count) {
        Ring ring = new Ring();
        BigInteger size = BigInteger.ONE.shiftLeft(64);
        for (int i = 0; i < count; i++) {
            long first = size.multiply(BigInteger.valueOf(i))
                    .divide(BigInteger.valueOf(count))
                    .longValue();
            long end = size.multiply(BigInteger.valueOf(i + 1L))
                    .divide(BigInteger.valueOf(count))
                    .longValue();
            // end wraps to 0 for the last tablet, so end - 1 is 2^64 - 1 there too.
            ring.put(new Tablet(i + 1L, 0, first, end - 1, Tablet.EMPTY_BLOB));
        }
        return ring;
    }

    /** Returns the tablet with this id, or null. */
    Tablet get(long id) {
        return byId.get(id);
    }

    /** Returns the tablet that owns {@code position}; every position has exactly one. */
    Tablet owner(long position) {
        Map.Entry<Long, Long> entry = idByFirst.floorEntry(position);
        if (entry == null) {
            throw new IllegalStateException("no tablet owns position " + Long.toUnsignedString(position));
        }
        return byId.get(entry.getValue());
    }

    /** Returns the number of tablets. */
    int size() {
        return byId.size();
    }

    /** Returns every tablet in id order. */
    Collection<Tablet> byId() {
        return byId.values();
    }

    /** Returns every tablet in ring order. */
    List<Tablet> inRingOrder() {
        List<Tablet> tablets = new ArrayList<>(byId.size());
        for (long id : idByFirst.values()) {
            tablets.add(byId.get(id));
        }
        return tablets;
    }

    /** Adds a tablet, or replaces the one with the same id and the same first position. */
    void put(Tablet tablet) {
        Tablet old = byId.put(tablet.id(), tablet);
        if (old != null && old.first() != tablet.first()) {
            idByFirst.remove(old.first());
        }
        idByFirst.put(tablet.first(), tablet.id());
    }

    /** Removes a tablet. */
    void remove(long id) {
        Tablet old = byId.remove(id);
        if (old == null) {
            throw new IllegalStateException("removing unknown tablet " + id);
        }
        idByFirst.remove(old.first());
    }

    /**
     * Checks that the tablets partition the ring and both indexes agree.
     *
     * @throws IllegalStateException naming the first broken rule
     */
    void checkPartition() {
        if (byId.size() != idByFirst.size()) {
            throw new IllegalStateException(byId.size() + " tablets but " + idByFirst.size() + " ring entries");
        }
        long expectedFirst = 0;
        Tablet previous = null;
        for (Map.Entry<Long, Long> entry : idByFirst.entrySet()) {
            Tablet tablet = byId.get(entry.getValue());
            if (tablet == null || tablet.first() != entry.getKey()) {
                throw new IllegalStateException("ring entry " + entry + " does not match tablet " + tablet);
            }
            if (previous != null && previous.last() == -1L) {
                throw new IllegalStateException("tablet " + tablet.id() + " lies past the end of the ring");
            }
            if (tablet.first() != expectedFirst) {
                throw new IllegalStateException("tablet " + tablet.id() + " starts at "
                        + Long.toUnsignedString(tablet.first()) + ", expected "
                        + Long.toUnsignedString(expectedFirst));
            }
            if (Long.compareUnsigned(tablet.first(), tablet.last()) > 0) {
                throw new IllegalStateException("tablet " + tablet.id() + " has an empty range");
            }
            expectedFirst = tablet.last() + 1;
            previous = tablet;
        }
        if (previous == null || previous.last() != -1L) {
            throw new IllegalStateException("the ring does not end at 2^64 - 1");
        }
    }
}
