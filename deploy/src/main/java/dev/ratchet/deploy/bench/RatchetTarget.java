package dev.ratchet.deploy.bench;

import dev.ratchet.client.RatchetClient;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Ratchet through the client SDK's asynchronous API: one {@link RatchetClient} shared by every
 * logical client, with the SDK's default timeouts and retries (what an application gets).
 *
 * <p>Trust is the INSECURE simulated development trust of a local cluster: the local simulated CA,
 * and cache nodes of this build's measurement.
 */
final class RatchetTarget implements KvTarget {
    private final RatchetClient client;

    private RatchetTarget(RatchetClient client) {
        this.client = client;
    }

    /** Builds a client for the given cache-node endpoints ({@code HOST:PORT}). */
    static RatchetTarget connect(List<String> endpoints, Path simulatedCaDirectory) {
        return new RatchetTarget(RatchetClient.builder()
                .endpoints(endpoints)
                .simulatedDevelopmentTrust(simulatedCaDirectory)
                .build());
    }

    @Override
    public String name() {
        return "ratchet";
    }

    @Override
    public CompletableFuture<?> put(byte[] key, byte[] value) {
        return client.putAsync(key, value);
    }

    @Override
    public CompletableFuture<?> get(byte[] key) {
        return client.getAsync(key)
                .thenApply(found -> found.orElseThrow(
                        () -> new IllegalStateException("Ratchet found no value for a preloaded key")));
    }

    @Override
    public void close() {
        client.close();
    }
}
