package dev.ratchet.deploy.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd through jetcd's asynchronous KV client: one client (one gRPC channel) shared by every
 * logical client, as the Ratchet target shares one {@code RatchetClient}. Gets are jetcd's default,
 * linearizable reads (not serializable ones), matching Ratchet's gets.
 */
final class EtcdTarget implements KvTarget {
    private final Client client;
    private final KV kv;

    private EtcdTarget(Client client) {
        this.client = client;
        this.kv = client.getKVClient();
    }

    /** Connects to the given endpoints; {@code HOST:PORT} means {@code http://HOST:PORT}. */
    static EtcdTarget connect(List<String> endpoints) {
        String[] urls = endpoints.stream()
                .map(endpoint -> endpoint.contains("://") ? endpoint : "http://" + endpoint)
                .toArray(String[]::new);
        return new EtcdTarget(Client.builder().endpoints(urls).build());
    }

    @Override
    public String name() {
        return "etcd";
    }

    @Override
    public CompletableFuture<?> put(byte[] key, byte[] value) {
        return kv.put(ByteSequence.from(key), ByteSequence.from(value));
    }

    @Override
    public CompletableFuture<?> get(byte[] key) {
        return kv.get(ByteSequence.from(key)).thenApply(response -> {
            if (response.getKvs().isEmpty()) {
                throw new IllegalStateException("etcd found no value for a preloaded key");
            }
            return response;
        });
    }

    @Override
    public void close() {
        client.close();
    }
}
