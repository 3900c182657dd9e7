package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import java.util.Objects;
import java.util.Optional;

/**
 * What a compare-and-set expects of its key's current state: a version, a value, or absence.
 *
 * <p>Immutable. Versions are at least 1, so {@code version(0)} (or any version the key does not
 * have) never matches; the service should refuse an expected version of 0 as malformed.
 */
final class Expectation {
    /** Which state a compare-and-set expects. */
    enum Kind {
        VERSION,
        VALUE,
        ABSENT
    }

    private static final Expectation ABSENT = new Expectation(Kind.ABSENT, 0, ByteString.EMPTY);

    private final Kind kind;
    private final long version;
    private final ByteString value;

    private Expectation(Kind kind, long version, ByteString value) {
        this.kind = kind;
        this.version = version;
        this.value = value;
    }

    /** Expects the key to exist at exactly {@code version}. */
    static Expectation version(long version) {
        return new Expectation(Kind.VERSION, version, ByteString.EMPTY);
    }

    /** Expects the key to exist with exactly {@code value}. */
    static Expectation value(ByteString value) {
        return new Expectation(Kind.VALUE, 0, Objects.requireNonNull(value, "value"));
    }

    /** Expects the key not to exist. */
    static Expectation absent() {
        return ABSENT;
    }

    /** Returns which state is expected. */
    Kind kind() {
        return kind;
    }

    /** Returns the expected version; only meaningful for {@link Kind#VERSION}. */
    long expectedVersion() {
        return version;
    }

    /** Returns the expected value; only meaningful for {@link Kind#VALUE}. */
    ByteString expectedValue() {
        return value;
    }

    /** Returns whether a key whose current state is {@code current} meets this expectation. */
    boolean matches(Optional<StoredValue> current) {
        switch (kind) {
            case VERSION:
                return current.isPresent() && current.get().version() == version;
            case VALUE:
                return current.isPresent() && current.get().value().equals(value);
            case ABSENT:
                return current.isEmpty();
        }
        throw new AssertionError(kind);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Expectation that
                && kind == that.kind
                && version == that.version
                && value.equals(that.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, version, value);
    }

    @Override
    public String toString() {
        switch (kind) {
            case VERSION:
                return "Expectation{version=" + Long.toUnsignedString(version) + "}";
            case VALUE:
                return "Expectation{value of " + value.size() + " bytes}";
            default:
                return "Expectation{absent}";
        }
    }
}
