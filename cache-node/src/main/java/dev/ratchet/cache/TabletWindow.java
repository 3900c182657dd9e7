package dev.ratchet.cache;

import com.google.protobuf.CodedOutputStream;
import dev.ratchet.cache.proto.AppliedRequest;
import java.util.List;

/**
 * The bounds of a tablet's idempotency window, the request ids it remembers so that a retry
 * returns the first outcome instead of applying again: by age on the tablet store's logical clock
 * and by bytes, and the floor that makes a forgotten retry refusable instead of applied twice.
 *
 * <p><b>Age.</b> The store's clock ticks about once per cache-node heartbeat interval (2 s; see
 * tablet.proto {@code ClusterView.clock_ticks}), not by any host's wall clock, so a host cannot
 * age records out by moving its clock. A record carries the tick it counts from: the larger of
 * the writer's clock and the request's stamp ({@code issued_at_tick}). A version written at store
 * tick {@code now} drops records from the window's oldest end while the oldest is more than
 * {@value #AGE_TICKS_MAX} ticks older than {@code now}, about 120 s: four times the SDK's default
 * retry horizon (about 26 s; a test in this module pins the relation). A writer whose clock lags
 * the store's by a tick keeps records a tick longer, never shorter.
 *
 * <p><b>Bytes.</b> The window is part of every base a tablet stores, so it is also bounded to
 * {@value #BYTES_MAX} bytes of records (about 16,000 records with the SDK's 16-byte ids); a
 * tablet that takes more writes than that within the age bound drops its oldest records sooner,
 * and its retries are then exactly-once for less than 120 s.
 *
 * <p><b>Floor.</b> Dropping a record raises the tablet's window floor to above that record's
 * tick. Invariant: every request ever applied to the tablet (or to the tablets it was split from
 * or merged out of) whose record tick is at or above the floor is still in the window. A request
 * whose id is not in the window and whose stamp is below the floor may have been applied and
 * forgotten; it is refused with REQUEST_TOO_OLD and not applied. One whose stamp is at or above
 * the floor was never applied, because any earlier application left a record with a tick at
 * least the stamp, which is still in the window. Only the SDK's own rule keeps the stamp fixed
 * across attempts (it renews it only when no attempt can have landed); a client that changes it
 * between attempts that may have landed gives up its own exactly-once, nobody else's.
 *
 * <p>Records leave from the oldest end only, and ticks along the window need not be ordered, so
 * a record may outlive its age behind an older one; that only keeps it longer. Pure and
 * deterministic: the writer and every reader of a delta compute the same window from the same
 * base, records and {@code now}.
 */
final class TabletWindow {
    /** Records more than this many store ticks older than the writing version are dropped: ~120 s. */
    static final long AGE_TICKS_MAX = 60;

    /** The most bytes of records a window holds (each record as encoded in the tablet plaintext). */
    static final long BYTES_MAX = 1L << 20;

    /**
     * How far ahead of the cache node's clock a request's stamp may be: a client learns the clock
     * from answers, so it may have seen a node whose clock is a heartbeat or two ahead of this one,
     * but never eight. A farther stamp would let one client hold records in the window forever and
     * raise the floor past every other client's stamps; it is MALFORMED_REQUEST.
     */
    static final long ISSUED_AHEAD_TICKS_MAX = 8;

    private TabletWindow() {}

    /** A window after its bounds were applied: the records kept, oldest first, and the floor. */
    record Bounded(List<AppliedRequest> records, long floorTicks) {}

    /** Returns the bytes {@code record} takes in a tablet plaintext's window. */
    static long recordBytes(AppliedRequest record) {
        return CodedOutputStream.computeMessageSize(4, record);
    }

    /** Returns the bytes of every record in {@code records}. */
    static long bytes(List<AppliedRequest> records) {
        long total = 0;
        for (AppliedRequest record : records) {
            total += recordBytes(record);
        }
        return total;
    }

    /**
     * Applies both bounds to {@code records} (oldest first) under floor {@code floorTicks} at store
     * tick {@code nowTicks}; a {@code nowTicks} of 0 applies only the byte bound.
     */
    static Bounded bound(List<AppliedRequest> records, long floorTicks, long nowTicks) {
        long total = bytes(records);
        long floor = floorTicks;
        int first = 0;
        while (first < records.size() && (tooOld(records.get(first), nowTicks) || total > BYTES_MAX)) {
            AppliedRequest dropped = records.get(first);
            floor = Math.max(floor, saturatedIncrement(dropped.getTick()));
            total -= recordBytes(dropped);
            first++;
        }
        return new Bounded(records.subList(first, records.size()), floor);
    }

    /** Returns the tick a record for {@code op} counts its age from when applied at {@code nowTicks}. */
    static long recordTick(KvOp op, long nowTicks) {
        return Math.max(nowTicks, op.issuedAtTicks());
    }

    /** Whether a request not in the window must be refused: its stamp is below the floor. */
    static boolean tooOldToApply(KvOp op, long floorTicks) {
        return op.issuedAtTicks() < floorTicks;
    }

    private static boolean tooOld(AppliedRequest record, long nowTicks) {
        return nowTicks > AGE_TICKS_MAX && record.getTick() < nowTicks - AGE_TICKS_MAX;
    }

    private static long saturatedIncrement(long ticks) {
        return ticks == Long.MAX_VALUE ? ticks : ticks + 1;
    }
}
