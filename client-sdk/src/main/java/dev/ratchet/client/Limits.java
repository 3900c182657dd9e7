package dev.ratchet.client;

/**
 * The size limits of keys and values, the same numbers the cache nodes enforce (kv.proto's
 * {@code key_bytes_max} and {@code value_bytes_max}).
 *
 * <p>The client checks them before sending, so an oversized request fails at once with {@link
 * ErrorCode#KEY_TOO_LARGE} or {@link ErrorCode#VALUE_TOO_LARGE} instead of costing a round trip.
 */
public final class Limits {
    /**
     * The largest key, in bytes: keys are routed, compared and kept in every tablet's index, so they
     * are meant to be names, not data; 4 KiB is room for any sensible name.
     */
    public static final int KEY_BYTES_MAX = 4096;

    /**
     * The largest value, in bytes: one value travels in one gRPC message and lands in one tablet
     * blob; 1 MiB keeps a message well under gRPC's default 4 MiB limit and a tablet batch small.
     */
    public static final int VALUE_BYTES_MAX = 1 << 20;

    /** The length of the request id the client draws for each write; kv.proto allows 16..64. */
    public static final int REQUEST_ID_BYTES = 16;

    private Limits() {}
}
