package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One client write (put, delete or compare-and-set) with its idempotency id, as queued in a
 * tablet's batch.
 *
 * <p>Immutable. The service validates sizes against the protocol limits before building one; the
 * factories only refuse what would break the tablet format (an empty key, a request id outside
 * 1..{@value #REQUEST_ID_BYTES_MAX} bytes), as a programmer error.
 *
 * <p>{@link #issuedAtTicks()} is the client's stamp (kv.proto {@code issued_at_tick}): the store
 * clock it knew when it first sent the request, the same on every retry. It decides whether a
 * request the window does not hold may still be applied (see {@link TabletWindow}).
 *
 * <p>{@link #sha256()} identifies the operation (kind, key, expectation, value; not the request
 * id, not the stamp) so the idempotency window can tell a retry from a reused id. Its canonical encoding is
 * length-prefixed and domain-separated, so two different ops never share bytes; it is persisted in
 * tablets, so it must never change.
 */
final class KvOp {
    /** Longest request id; the client protocol allows 16..64 bytes and the tablet store 1..64. */
    static final int REQUEST_ID_BYTES_MAX = 64;

    private static final byte[] DOMAIN = "ratchet/kv-op/v1".getBytes(StandardCharsets.US_ASCII);

    /** What an op does. */
    enum Kind {
        PUT,
        DELETE,
        COMPARE_AND_SET
    }

    private final ByteString requestId;
    private final ByteString key;
    private final Kind kind;
    private final Expectation expectation;
    private final ByteString value;
    private final long issuedAtTicks;
    private ByteString sha256;

    private KvOp(ByteString requestId, ByteString key, Kind kind, Expectation expectation, ByteString value) {
        this(requestId, key, kind, expectation, value, 0);
    }

    private KvOp(
            ByteString requestId,
            ByteString key,
            Kind kind,
            Expectation expectation,
            ByteString value,
            long issuedAtTicks) {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (requestId.isEmpty() || requestId.size() > REQUEST_ID_BYTES_MAX) {
            throw new IllegalArgumentException(
                    "request id must be 1.." + REQUEST_ID_BYTES_MAX + " bytes: " + requestId.size());
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key is empty");
        }
        this.requestId = requestId;
        this.key = key;
        this.kind = kind;
        this.expectation = expectation;
        this.value = value;
        if (issuedAtTicks < 0) {
            throw new IllegalArgumentException("issuedAtTicks is negative: " + issuedAtTicks);
        }
        this.issuedAtTicks = issuedAtTicks;
    }

    /** Returns this op stamped as issued at store tick {@code ticks}. */
    KvOp issuedAt(long ticks) {
        return new KvOp(requestId, key, kind, expectation, value, ticks);
    }

    /** Returns the store tick the client stamped this request with (0: it knew none). */
    long issuedAtTicks() {
        return issuedAtTicks;
    }

    /** Sets {@code key} to {@code value} unconditionally. */
    static KvOp put(ByteString requestId, ByteString key, ByteString value) {
        return new KvOp(requestId, key, Kind.PUT, null, value);
    }

    /** Removes {@code key}. */
    static KvOp delete(ByteString requestId, ByteString key) {
        return new KvOp(requestId, key, Kind.DELETE, null, ByteString.EMPTY);
    }

    /** Sets {@code key} to {@code value} if its current state meets {@code expectation}. */
    static KvOp compareAndSet(ByteString requestId, ByteString key, Expectation expectation, ByteString value) {
        return new KvOp(
                requestId, key, Kind.COMPARE_AND_SET, Objects.requireNonNull(expectation, "expectation"), value);
    }

    /** Returns the client's idempotency id. */
    ByteString requestId() {
        return requestId;
    }

    /** Returns the key written. */
    ByteString key() {
        return key;
    }

    /** Returns what the op does. */
    Kind kind() {
        return kind;
    }

    /** Returns the value to write; empty for a delete. */
    ByteString value() {
        return value;
    }

    /** Returns the expectation of a compare-and-set; throws for other kinds. */
    Expectation expectation() {
        if (expectation == null) {
            throw new IllegalStateException("a " + kind + " has no expectation");
        }
        return expectation;
    }

    /** Returns SHA-256 of the op's canonical bytes (everything but the request id). */
    ByteString sha256() {
        // Racy single-check caching: every thread computes the same bytes.
        ByteString hash = sha256;
        if (hash == null) {
            hash = ByteString.copyFrom(RingPosition.newSha256().digest(canonicalBytes()));
            sha256 = hash;
        }
        return hash;
    }

    /** Returns the canonical encoding: domain, kind, then length-prefixed fields. */
    byte[] canonicalBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + key.size() + value.size());
        out.write(DOMAIN, 0, DOMAIN.length);
        out.write(0);
        out.write(kind.ordinal() + 1);
        writeBytes(out, key);
        if (kind == Kind.COMPARE_AND_SET) {
            out.write(expectation.kind().ordinal() + 1);
            switch (expectation.kind()) {
                case VERSION:
                    writeLong(out, expectation.expectedVersion());
                    break;
                case VALUE:
                    writeBytes(out, expectation.expectedValue());
                    break;
                case ABSENT:
                    break;
            }
        }
        if (kind != Kind.DELETE) {
            writeBytes(out, value);
        }
        return out.toByteArray();
    }

    private static void writeBytes(ByteArrayOutputStream out, ByteString bytes) {
        writeLong(out, bytes.size());
        out.writeBytes(bytes.toByteArray());
    }

    private static void writeLong(ByteArrayOutputStream out, long value) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (value >>> shift));
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KvOp that
                && requestId.equals(that.requestId)
                && key.equals(that.key)
                && kind == that.kind
                && Objects.equals(expectation, that.expectation)
                && value.equals(that.value)
                && issuedAtTicks == that.issuedAtTicks;
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, key, kind, expectation, value, issuedAtTicks);
    }

    @Override
    public String toString() {
        return "KvOp{" + kind + ", key of " + key.size() + " bytes" + (expectation == null ? "" : ", " + expectation)
                + "}";
    }
}
