package dev.ratchet.deploy.bench;

import java.util.concurrent.CompletableFuture;

/**
 * A key-value system under load: the two operations the benchmark issues, as futures.
 *
 * <p>Implementations are thread-safe, and their futures may complete on any thread, or already be
 * complete when returned. A put completes normally once the system acknowledged the write; a get
 * completes normally only if it found the key (the load generator reads only keys it wrote, so a
 * missing key is an error). Any failure, including a method that throws instead of returning a
 * failed future, is counted as one error.
 */
public interface KvTarget extends AutoCloseable {
    /** The name on the result line: {@code ratchet} or {@code etcd}. */
    String name();

    /** Writes {@code value} under {@code key}, unconditionally. */
    CompletableFuture<?> put(byte[] key, byte[] value);

    /** Reads {@code key} with the system's strongest (linearizable) read. */
    CompletableFuture<?> get(byte[] key);

    /** Releases connections and threads; later calls may fail. */
    @Override
    void close();
}
