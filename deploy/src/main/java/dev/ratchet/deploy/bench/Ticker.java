package dev.ratchet.deploy.bench;

/** A source of monotonic nanoseconds, injected so that tests move time by hand. */
@FunctionalInterface
public interface Ticker {
    /** The system's monotonic clock. */
    Ticker SYSTEM = System::nanoTime;

    /** Nanoseconds since an arbitrary origin; never decreases. */
    long nanos();
}
