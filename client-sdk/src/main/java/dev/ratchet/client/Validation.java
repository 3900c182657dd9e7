package dev.ratchet.client;

import java.util.Objects;
import java.util.Optional;

/**
 * The client-side checks of keys and values against {@link Limits}, with the same codes the cache
 * node would answer.
 */
final class Validation {
    private Validation() {}

    /** Returns the error for a bad key, or empty; a null key is a programming error (NPE). */
    static Optional<RatchetException> key(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length == 0) {
            return Optional.of(new RatchetException(ErrorCode.KEY_EMPTY, "the key is empty"));
        }
        if (key.length > Limits.KEY_BYTES_MAX) {
            return Optional.of(new RatchetException(
                    ErrorCode.KEY_TOO_LARGE,
                    "the key is " + key.length + " bytes, over the limit of " + Limits.KEY_BYTES_MAX));
        }
        return Optional.empty();
    }

    /** Returns the error for a bad value, or empty; a null value is a programming error (NPE). */
    static Optional<RatchetException> value(byte[] value) {
        Objects.requireNonNull(value, "value");
        if (value.length > Limits.VALUE_BYTES_MAX) {
            return Optional.of(new RatchetException(
                    ErrorCode.VALUE_TOO_LARGE,
                    "the value is " + value.length + " bytes, over the limit of " + Limits.VALUE_BYTES_MAX));
        }
        return Optional.empty();
    }
}
