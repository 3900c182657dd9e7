package dev.ratchet.cache;

import dev.ratchet.client.Limits;

/**
 * Every bound the cache node applies, each with the reason for its value and the {@code KvError}
 * a request over it gets (DESIGN.md §8).
 *
 * <p>The ones a deployment (or a test) may want to change are defaults of {@link
 * CacheNode.Builder} settings; the others are fixed by the protocol or by the tablet store.
 */
final class ServingLimits {
    /** Bytes in a key (KEY_TOO_LARGE): the protocol's limit, which the SDK checks too; keys sit in every tablet copy. */
    static final int KEY_BYTES_MAX = Limits.KEY_BYTES_MAX;

    /**
     * Bytes in a value (VALUE_TOO_LARGE): 1 MiB, the SDK's limit. A value travels in one gRPC
     * message (4 MiB default) and is rewritten with its whole tablet on every write, so large
     * values belong in a blob store with their digest stored here.
     */
    static final int VALUE_BYTES_MAX = Limits.VALUE_BYTES_MAX;

    /** Smallest request id (MALFORMED_REQUEST): 128 random bits make collisions negligible. */
    static final int REQUEST_ID_BYTES_MIN = 16;

    /** Largest request id (MALFORMED_REQUEST): the protocol's bound, room for a UUID or a hash. */
    static final int REQUEST_ID_BYTES_MAX = KvOp.REQUEST_ID_BYTES_MAX;

    /**
     * Default ops waiting per tablet (OVERLOADED beyond): sixteen full batches. A tablet flushes
     * one batch per Raft commit (a few ms), so a deeper queue only adds latency a client would
     * rather see as back-pressure.
     */
    static final int TABLET_QUEUE_DEPTH_MAX_DEFAULT = 16 * 256;

    /**
     * Default requests in flight on one cache node (OVERLOADED beyond): bounds the memory of
     * pending requests (up to a value each) to a few GiB in the worst case, far more concurrency
     * than two cores can use.
     */
    static final int IN_FLIGHT_REQUESTS_MAX_DEFAULT = 4096;

    /** Ops in one tablet batch: one Raft commit serves them all; 256 keeps a flush's latency low. */
    static final int BATCH_OPS_MAX = 256;

    /**
     * Value and key bytes in one tablet batch: 4 MiB. A batch is rewritten into one tablet
     * version, which must stay far below the tablet's size limit.
     */
    static final long BATCH_BYTES_MAX = 4L * 1024 * 1024;

    /**
     * How long the first op of an idle tablet waits for company before its batch flushes: 1 ms
     * costs little against a Raft commit (3 ms at p50 on our VM) and lets concurrent writers share
     * it. While a flush is in flight, ops wait for it anyway, so a busy tablet batches for free.
     */
    static final long BATCH_LINGER_MICROS = 1_000;

    /** Gets answered by one linearizable tablet-store query: one query's tablet-id limit. */
    static final int READ_BATCH_OPS_MAX = 1024;

    /**
     * Stripes in one tablet's blob (STORAGE_FULL beyond): the tablet store's {@code
     * STRIPES_PER_TABLET_MAX}, 16 MiB at k = 4. Splitting keeps tablets far below it.
     */
    static final int STRIPES_PER_TABLET_MAX = 1024;

    /**
     * Default size of a tablet's entries (keys, values, versions; not its idempotency window,
     * which both halves inherit) past which it is split: 256 KiB. Every write rewrites its whole
     * tablet, so write amplification is the tablet size; 256 KiB is 16 stripes at k = 4, still one
     * round of device calls.
     */
    static final long SPLIT_PLAINTEXT_BYTES_DEFAULT = 256 * 1024;

    /**
     * Entry size below which two adjacent tablets may be merged: a quarter of the split
     * threshold, so a merged tablet is far from splitting again (no flapping).
     */
    static final int MERGE_FRACTION = 4;

    /** Tries of one batch when the tablet moved under it (version conflicts): then OVERLOADED. */
    static final int CONFLICT_RETRIES_MAX = 32;

    /**
     * Group-commit rounds one cache node has proposed and not yet seen answered. Two lets the next
     * group replicate while the last is applied and answered; more would only split the groups.
     */
    static final int COMMIT_ROUNDS_IN_FLIGHT_MAX = 2;

    /** Tablets in one group commit: the tablet store's per-commit limit. */
    static final int COMMIT_GROUP_TABLETS_MAX = 64;

    /** Stripes named by one group commit: the tablet store's per-command limit. */
    static final int COMMIT_GROUP_STRIPES_MAX = 4096;

    /**
     * Delta blobs a tablet may have before its next flush writes it whole; the store allows 32.
     * Every cold read fetches them all, and the stripe rule in {@link TabletWriter#asDelta} usually
     * ends a chain sooner.
     */
    static final int DELTAS_PER_TABLET_MAX = 16;

    /** Tries of one array write onto fresh stripes when a server failed: then NOT_SERVING. */
    static final int WRITE_ATTEMPTS_MAX = 4;

    /**
     * Stripes reserved at once: a dozen versions of a tablet near the split threshold (about 20
     * stripes at k = 4). A reservation is a Raft commit, and takers wait for it when the pool runs
     * dry, so it is amortized over many flushes; the store caps a node's reservations at 8192.
     */
    static final int RESERVE_CHUNK_STRIPES = 256;

    /**
     * Strikes (unanswered calls, less one per answered call, within 10 s) after which a sector
     * server is reported unreachable to the tablet store.
     */
    static final int UNAVAILABLE_STRIKES_MAX = 3;

    /**
     * Distinct stripes (within 60 s) about which a sector server answered falsely before it is
     * reported as lying: more than the one stale shard an honest server can hold after a
     * timed-out write applied late.
     */
    static final int LIED_STRIPES_MAX = 4;

    /** Stripes trimmed and confirmed per round: one ConfirmTrimmed entry stays small. */
    static final int TRIM_BATCH_STRIPES_MAX = 1024;

    /** Decrypted tablets kept in RAM: 256 MiB of plaintext, weighed by size. */
    static final long TABLET_CACHE_BYTES_MAX = 256L * 1024 * 1024;

    /** Threads that flush and load tablets: they wait on Raft and the array, so more than cores. */
    static final int WORKER_THREADS = 16;

    private ServingLimits() {}
}
