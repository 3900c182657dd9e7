package dev.ratchet.deploy.bench;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;

/** The fixed keys of a run ({@code bench-00000000}, ...) and the one value every put writes. */
final class Keyspace {
    private final byte[][] keys;
    private final byte[] value;

    Keyspace(int keyCount, int valueSizeBytes, long seed) {
        keys = new byte[keyCount][];
        for (int i = 0; i < keyCount; i++) {
            keys[i] = String.format(Locale.ROOT, "bench-%08d", i).getBytes(StandardCharsets.US_ASCII);
        }
        value = new byte[valueSizeBytes];
        new SplittableRandom(seed).nextBytes(value);
    }

    int size() {
        return keys.length;
    }

    /** The key at {@code index}; callers must not modify it. */
    byte[] key(int index) {
        return keys[index];
    }

    /** The value every put writes; callers must not modify it. */
    byte[] value() {
        return value;
    }
}
