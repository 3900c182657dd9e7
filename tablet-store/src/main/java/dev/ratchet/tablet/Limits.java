package dev.ratchet.tablet;

/**
 * The size limits every command is checked against, each with the reason for its value.
 *
 * <p>A command over a limit gets a typed INVALID or limit status; none of these throws. They bound
 * the size of one Raft log entry, the memory the replicated state may take, and the work one
 * apply may do, since every replica repeats that work.
 */
final class Limits {
    /** Bytes in a sector, fixed by the sector protocol. */
    static final int SECTOR_BYTES = 4096;

    /** Tablets one compare-and-commit may carry: a cache node's batch flush touches few tablets. */
    static final int TABLETS_PER_COMMIT_MAX = 64;

    /**
     * Stripes in one tablet's blob: 1024 stripes are a 16 MiB tablet at k = 4, far above the split
     * threshold, and keep one tablet's shard digests (stripes * (k + m) * 32 bytes) under 2 MiB.
     */
    static final int STRIPES_PER_TABLET_MAX = 1024;

    /**
     * Delta blobs one tablet may carry on top of its base. Every cold read of the tablet fetches
     * the base and each delta, so the chain must stay short; cache nodes rewrite the whole tablet
     * well before this (see the cache node's delta policy).
     */
    static final int DELTAS_PER_TABLET_MAX = 32;

    /**
     * Stripes one command may name in total: with 32-byte digests for k + m <= 64 shards, a
     * command stays under 8 MiB, well inside Ratis's 64 MiB gRPC message limit.
     */
    static final int STRIPES_PER_COMMAND_MAX = 4096;

    /**
     * Stripes one reserve command hands out: one full tablet. Its recorded result (up to ~6 KiB of
     * stripe numbers) then keeps the idempotency window under ~25 MiB even if every entry is one.
     */
    static final int STRIPES_PER_RESERVE_MAX = STRIPES_PER_TABLET_MAX;

    /** Stripes one cache node may hold reserved: two full commits in flight. */
    static final int RESERVED_STRIPES_PER_NODE_MAX = 2 * STRIPES_PER_COMMAND_MAX;

    /** Shards per stripe: the erasure code's design target is any k + m up to 64. */
    static final int SHARDS_PER_STRIPE_MAX = 64;

    /** Stripes in the array: sector indices are addressed per server, 2^32 sectors is 16 TiB. */
    static final long STRIPE_COUNT_MAX = 1L << 32;

    /** Tablets created by bootstrap: an even start; the ring grows by splits after that. */
    static final int INITIAL_TABLETS_MAX = 1 << 16;

    /** Tablets in total: bounds the metadata held in every replica's RAM. */
    static final int TABLETS_MAX = 1 << 20;

    /** Registered cache nodes: the writer set is pushed to every sector server on each change. */
    static final int CACHE_NODES_MAX = 256;

    /** Measurements in the policy across all roles: a handful of releases per role suffices. */
    static final int POLICY_MEASUREMENTS_MAX = 1024;

    /** Hex characters in a measurement: 64 bytes covers SEV-SNP, TDX and Nitro (48 bytes each). */
    static final int MEASUREMENT_HEX_CHARS_MAX = 128;

    /** Bytes in a request id: room for a UUID or a hash, small enough to keep many in the window. */
    static final int REQUEST_ID_BYTES_MAX = 64;

    /**
     * Request ids remembered for idempotent retries: far more than the requests in flight across
     * all cache nodes during one client retry window, and each entry's result is small.
     */
    static final int IDEMPOTENCY_WINDOW_ENTRIES = 4096;

    /** Bytes in a key looked up by a query: the client key-size limit. */
    static final int KEY_BYTES_MAX = 4096;

    /** Tablet ids in one tablets-by-id query: one cache node's read batch. */
    static final int TABLETS_PER_QUERY_MAX = 1024;

    /** Bytes in a sector-server address (host:port): a DNS name is at most 253 characters. */
    static final int ADDRESS_BYTES_MAX = 255;

    /** Bytes in a data-encryption key: a ChaCha20 / HMAC-SHA-256 key. */
    static final int DATA_KEY_BYTES = 32;

    /** Bytes in a blob's ChaCha20 nonce. */
    static final int NONCE_BYTES = 12;

    /** Bytes in a blob's HMAC-SHA-256 tag and in each shard digest. */
    static final int DIGEST_BYTES = 32;

    private Limits() {}
}
