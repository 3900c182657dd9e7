package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import java.util.Objects;

/** A key's current value and the version it was written at (at least 1). */
record StoredValue(ByteString value, long version) {
    StoredValue {
        Objects.requireNonNull(value, "value");
        if (version < 1) {
            throw new IllegalArgumentException("version must be at least 1: " + version);
        }
    }
}
