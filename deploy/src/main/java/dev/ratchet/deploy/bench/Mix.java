package dev.ratchet.deploy.bench;

import java.util.Locale;
import java.util.SplittableRandom;

/** Which operations a benchmark issues. */
public enum Mix {
    /** Only puts. */
    PUT("put"),
    /** Only gets, of keys a preload wrote. */
    GET("get"),
    /** Puts and gets, each operation one or the other with probability 1/2. */
    PUT_GET("put:get");

    private final String label;

    Mix(String label) {
        this.label = label;
    }

    /** Parses a command-line label ({@code put}, {@code get} or {@code put:get}). */
    public static Mix parse(String label) {
        for (Mix mix : values()) {
            if (mix.label.equals(label.toLowerCase(Locale.ROOT))) {
                return mix;
            }
        }
        throw new IllegalArgumentException("mix must be put, get or put:get, not '" + label + "'");
    }

    /** The label on the result line. */
    public String label() {
        return label;
    }

    /** Whether the keyspace must be written before the measured run, because this mix reads it. */
    public boolean readsKeys() {
        return this != PUT;
    }

    /** Draws the next operation: true for a put, false for a get. */
    boolean nextIsPut(SplittableRandom random) {
        switch (this) {
            case PUT:
                return true;
            case GET:
                return false;
            default:
                return random.nextBoolean();
        }
    }
}
