package dev.ratchet.client;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@link RatchetClient#compareAndSet}: whether the value was set, and the key's
 * state afterwards.
 *
 * <p>A failed comparison is a result, not an error. On success {@link #version()} is the new
 * version and {@link #current()} is empty; on failure {@link #version()} is the key's current
 * version (0 if absent) and {@link #current()} holds its current value if it exists.
 */
public final class CasResult {
    private final boolean succeeded;
    private final long version;
    private final Optional<VersionedValue> current;

    private CasResult(boolean succeeded, long version, Optional<VersionedValue> current) {
        this.succeeded = succeeded;
        this.version = version;
        this.current = current;
    }

    /** Returns the result of a comparison that held and a write at {@code newVersion}. */
    public static CasResult success(long newVersion) {
        return new CasResult(true, newVersion, Optional.empty());
    }

    /** Returns the result of a comparison that failed; {@code current} is empty if the key is absent. */
    public static CasResult failure(Optional<VersionedValue> current) {
        Objects.requireNonNull(current, "current");
        return new CasResult(false, current.map(VersionedValue::version).orElse(0L), current);
    }

    /** Returns whether the comparison held and the value was written. */
    public boolean succeeded() {
        return succeeded;
    }

    /** Returns the new version on success, or the key's current version (0 if absent) on failure. */
    public long version() {
        return version;
    }

    /** Returns the key's current value and version after a failed comparison; empty otherwise. */
    public Optional<VersionedValue> current() {
        return current;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CasResult that
                && succeeded == that.succeeded
                && version == that.version
                && current.equals(that.current);
    }

    @Override
    public int hashCode() {
        return Objects.hash(succeeded, version, current);
    }

    @Override
    public String toString() {
        return succeeded
                ? "CasResult{succeeded, version=" + Long.toUnsignedString(version) + "}"
                : "CasResult{failed, current=" + current.map(Object::toString).orElse("absent") + "}";
    }
}
