package dev.ratchet.raft;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The first byte of every request and log entry of a Ratchet group, telling application payloads
 * from the adapter's own entries, and the codecs of those entries.
 *
 * <p>Two vocabularies, deliberately distinct. A <em>request</em> is what a client sends: an
 * application command, a checkpoint request, an application query, or a ping. A <em>log entry</em>
 * is what the leader writes: an application command, or a checkpoint that the leader itself fills
 * in with its chain head. Threat: a client (any attested cache) forging a checkpoint with a wrong
 * head would make every replica stop; because only the leader's {@code startTransaction} turns a
 * checkpoint <em>request</em> into a checkpoint <em>entry</em>, and a request that already looks
 * like a checkpoint entry is refused there, clients cannot choose a checkpoint's content.
 */
enum LogEnvelope {
    /** An application command: request and log entry alike carry the command after the tag. */
    COMMAND((byte) 1),
    /** A request for the leader to log a checkpoint; carries nothing. */
    CHECKPOINT_REQUEST((byte) 2),
    /** A log entry: the leader's chain index (8 bytes) and head (32 bytes) when it logged it. */
    CHECKPOINT((byte) 3),
    /** A read-only application query: the query follows the tag. */
    QUERY((byte) 4),
    /** A read-only request that answers nothing; proves who leads. */
    PING((byte) 5),
    /**
     * A request the client port's gate refused ({@link ClientRequestGate}): the refusal's message
     * ({@code CODE: detail}, UTF-8) replaces the caller's bytes, so the leader answers the refusal
     * without logging anything. Never a log entry.
     */
    REFUSED((byte) 6);

    private static final int CHECKPOINT_BYTES = 1 + Long.BYTES + HashChain.HEAD_BYTES;
    private static final LogEnvelope[] KINDS = values();

    private final byte tag;

    LogEnvelope(byte tag) {
        this.tag = tag;
    }

    /** Returns the kind of {@code bytes}. */
    static LogEnvelope of(byte[] bytes) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("an empty Ratchet Raft message has no kind");
        }
        LogEnvelope kind = forTag(bytes[0]);
        if (kind == null) {
            throw new IllegalArgumentException("unknown Ratchet Raft message tag " + bytes[0]);
        }
        return kind;
    }

    /** Returns the kind whose tag is {@code tag}, or null if there is none. */
    static LogEnvelope forTag(byte tag) {
        for (LogEnvelope kind : KINDS) {
            if (kind.tag == tag) {
                return kind;
            }
        }
        return null;
    }

    /** Returns {@code payload} tagged with this kind. */
    byte[] wrap(byte[] payload) {
        byte[] out = new byte[payload.length + 1];
        out[0] = tag;
        System.arraycopy(payload, 0, out, 1, payload.length);
        return out;
    }

    /** Returns the payload after the tag. */
    static byte[] payload(byte[] bytes) {
        return Arrays.copyOfRange(bytes, 1, bytes.length);
    }

    /** Returns the request that carries {@code refusal} in place of a refused request. */
    static byte[] refused(RequestRefusedException refusal) {
        return REFUSED.wrap(refusal.getMessage().getBytes(StandardCharsets.UTF_8));
    }

    /** Returns the refusal a {@link #REFUSED} request carries. */
    static RequestRefusedException refusal(byte[] request) {
        return new RequestRefusedException(new String(request, 1, request.length - 1, StandardCharsets.UTF_8));
    }

    /** Returns a checkpoint log entry for the chain at {@code head}. */
    static byte[] checkpoint(HashChain.Head head) {
        return ByteBuffer.allocate(CHECKPOINT_BYTES)
                .put(CHECKPOINT.tag)
                .putLong(head.index())
                .put(head.digest())
                .array();
    }

    /** Returns the chain head a checkpoint log entry carries. */
    static HashChain.Head checkpointHead(byte[] entry) {
        if (entry.length != CHECKPOINT_BYTES || entry[0] != CHECKPOINT.tag) {
            throw new IllegalArgumentException("malformed checkpoint entry of " + entry.length + " bytes");
        }
        ByteBuffer buffer = ByteBuffer.wrap(entry, 1, entry.length - 1);
        long index = buffer.getLong();
        byte[] digest = new byte[HashChain.HEAD_BYTES];
        buffer.get(digest);
        return new HashChain.Head(index, digest);
    }
}
