package dev.ratchet.client;

import java.util.Arrays;

/**
 * What {@link RatchetClient#compareAndSet} expects of a key's current state: a version, a value, or
 * absence.
 *
 * <p>Immutable; an expected value is copied in.
 */
public final class Expectation {
    /** The kinds of expectation kv.proto can carry. */
    enum Kind {
        VERSION,
        VALUE,
        ABSENT
    }

    private static final Expectation ABSENT = new Expectation(Kind.ABSENT, 0, null);

    private final Kind kind;
    private final long version;
    private final byte[] value;

    private Expectation(Kind kind, long version, byte[] value) {
        this.kind = kind;
        this.version = version;
        this.value = value;
    }

    /**
     * Returns an expectation that the key exists at exactly {@code version} (an unsigned number, as
     * returned by put or get).
     *
     * @throws IllegalArgumentException if {@code version} is 0, which no stored value has
     */
    public static Expectation version(long version) {
        if (version == 0) {
            throw new IllegalArgumentException(
                    "version 0 is never stored; to expect no value use Expectation.absent()");
        }
        return new Expectation(Kind.VERSION, version, null);
    }

    /**
     * Returns an expectation that the key exists with exactly {@code value}.
     *
     * @throws IllegalArgumentException if {@code value} is over {@link Limits#VALUE_BYTES_MAX}
     */
    public static Expectation value(byte[] value) {
        if (value.length > Limits.VALUE_BYTES_MAX) {
            throw new IllegalArgumentException(
                    "expected value is " + value.length + " bytes, over the limit of " + Limits.VALUE_BYTES_MAX);
        }
        return new Expectation(Kind.VALUE, 0, value.clone());
    }

    /** Returns an expectation that the key does not exist. */
    public static Expectation absent() {
        return ABSENT;
    }

    Kind kind() {
        return kind;
    }

    long expectedVersion() {
        return version;
    }

    // Callers must not modify the array; it is only handed to protobuf, which copies it.
    byte[] expectedValue() {
        return value;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Expectation that
                && kind == that.kind
                && version == that.version
                && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * kind.hashCode() + Long.hashCode(version)) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case VERSION -> "Expectation.version(" + Long.toUnsignedString(version) + ")";
            case VALUE -> "Expectation.value(" + value.length + " bytes)";
            case ABSENT -> "Expectation.absent()";
        };
    }
}
