package dev.ratchet.sector.array;

import java.util.Objects;

/**
 * One shard the array could not use, and why: the record from which the cache node reports a server
 * that misbehaved.
 *
 * @param slot the slot the shard belongs to
 * @param nodeId the node id of the slot's server when the fault happened, or null for {@link
 *     Kind#DECODE_MISMATCH}
 * @param sectorIndex the stripe's sector index; for a failed write or trim call, the first stripe of
 *     the call
 * @param kind what went wrong
 * @param detail a human-readable explanation
 */
public record ShardFault(int slot, String nodeId, long sectorIndex, Kind kind, String detail) {
    /** Why a shard could not be used. */
    public enum Kind {
        /** The slot is DEAD or REBUILDING, so it was not asked: not the server's fault. */
        SLOT_NOT_LIVE,
        /** No answer within the call timeout, or the connection is down. */
        UNAVAILABLE,
        /** The server refused the call with a documented error. */
        REFUSED,
        /** The reply's signature or nonce did not verify: the server (or a host in between) lied. */
        BAD_PROOF,
        /** The reply had the wrong number or size of sectors: treated as a lie. */
        MALFORMED_REPLY,
        /** The shard does not match its pinned digest: stale (rolled back), corrupt or misdirected. */
        DIGEST_MISMATCH,
        /** A decoded shard did not match its pinned digest though every shard used did: a codec fault. */
        DECODE_MISMATCH;

        /** Returns whether this fault means the server answered with something false. */
        public boolean isLie() {
            return this == BAD_PROOF || this == MALFORMED_REPLY || this == DIGEST_MISMATCH;
        }
    }

    /** Creates a fault record. */
    public ShardFault {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return "slot " + slot + " (" + nodeId + ") sector " + sectorIndex + ": " + kind + ", " + detail;
    }
}
