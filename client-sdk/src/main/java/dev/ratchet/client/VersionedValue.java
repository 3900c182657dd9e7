package dev.ratchet.client;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A key's value together with the version it was written at.
 *
 * <p>Versions of a key only grow and are never reused, even across a delete. Immutable: the value
 * is copied in and out.
 */
public final class VersionedValue {
    private final byte[] value;
    private final long version;

    /** Creates a versioned value; {@code version} is unsigned and positive for any stored value. */
    public VersionedValue(byte[] value, long version) {
        this.value = value.clone();
        this.version = version;
    }

    /** Returns a copy of the value. */
    public byte[] value() {
        return value.clone();
    }

    /** Returns the version the value was written at (an unsigned 64-bit number). */
    public long version() {
        return version;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof VersionedValue that && version == that.version && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(version) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        String shown = value.length <= 32
                ? HexFormat.of().formatHex(value)
                : HexFormat.of().formatHex(value, 0, 32) + "...";
        return "VersionedValue{version=" + Long.toUnsignedString(version) + ", " + value.length + " bytes " + shown
                + "}";
    }
}
