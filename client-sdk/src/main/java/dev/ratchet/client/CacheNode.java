package dev.ratchet.client;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.tls.AttestedKeyManager;
import dev.ratchet.attestation.tls.AttestedTls;
import dev.ratchet.attestation.tls.AttestedTrustManager;
import dev.ratchet.attestation.tls.PeerExpectation;
import dev.ratchet.client.proto.KvServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * One cache node endpoint: a gRPC channel over attested mutual TLS that accepts only a peer
 * attesting role CACHE, and the calls made on it.
 *
 * <p>The channel connects lazily; the TLS handshake, and so the check of the cache node's evidence,
 * completes before any request is written to the connection, so a refused node never sees a
 * request. Any attested cache node is accepted ({@link PeerExpectation#any()}): a client knows
 * addresses, not node ids, and any cache node may serve any key. Thread-safe.
 */
final class CacheNode implements AutoCloseable {
    /** How long {@link #close()} waits for the channel to stop. */
    static final long CLOSE_WAIT_MILLIS = 5_000;

    /**
     * The largest reply: a value of {@link Limits#VALUE_BYTES_MAX} plus framing, or a status reply
     * of a large cluster; gRPC's usual 4 MiB, stated explicitly.
     */
    static final int INBOUND_MESSAGE_BYTES_MAX = 4 << 20;

    /** Idle connections are pinged this often, so a dead cache node is noticed between calls. */
    static final Duration KEEPALIVE_TIME = Duration.ofSeconds(30);

    /** A ping unanswered this long closes the connection. */
    static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(10);

    private final String endpoint;
    private final ManagedChannel channel;
    private final KvServiceGrpc.KvServiceStub stub;

    private CacheNode(String endpoint, ManagedChannel channel) {
        this.endpoint = endpoint;
        this.channel = channel;
        this.stub = KvServiceGrpc.newStub(channel);
    }

    /**
     * Opens (lazily) a channel to the cache node at {@code endpoint}; every answer on it moves
     * {@code storeClock}.
     *
     * @throws SSLException if the TLS context cannot be built
     */
    static CacheNode open(
            String endpoint, NodeIdentity self, AttestationVerifier verifier, Clock clock, StoreClock storeClock)
            throws SSLException {
        Endpoint address = Endpoint.parse(endpoint);
        AttestedTrustManager trustManager = AttestedTrustManager.builder(verifier)
                .acceptRoles(Role.CACHE)
                .clock(clock)
                .expectation(PeerExpectation.any())
                .build();
        ManagedChannel channel = NettyChannelBuilder.forAddress(address.host(), address.port())
                .sslContext(AttestedTls.grpcApplicationClientContext(new AttestedKeyManager(self), trustManager))
                .withOption(ChannelOption.TCP_NODELAY, true)
                .keepAliveTime(KEEPALIVE_TIME.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveWithoutCalls(false)
                .maxInboundMessageSize(INBOUND_MESSAGE_BYTES_MAX)
                // Retries are the client's own (same request id, failover); gRPC's would hide them.
                .disableRetry()
                .intercept(storeClock.interceptor())
                .build();
        return new CacheNode(endpoint, channel);
    }

    /** Returns the endpoint as configured. */
    String endpoint() {
        return endpoint;
    }

    /**
     * Starts one call with a deadline of {@code timeout}: {@code invocation} issues it on the stub,
     * and {@code check} turns the reply into the answer or throws a {@link RatchetException}. The
     * future fails with the raw gRPC failure, or with the check's exception.
     */
    <R, T> CompletableFuture<T> call(
            Duration timeout,
            BiConsumer<KvServiceGrpc.KvServiceStub, StreamObserver<R>> invocation,
            Function<R, T> check) {
        CompletableFuture<T> result = new CompletableFuture<>();
        KvServiceGrpc.KvServiceStub withDeadline = stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
        invocation.accept(withDeadline, new StreamObserver<R>() {
            private R reply;

            @Override
            public void onNext(R value) {
                reply = value;
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                try {
                    result.complete(check.apply(reply));
                } catch (RuntimeException e) {
                    result.completeExceptionally(
                            e instanceof RatchetException
                                    ? e
                                    : new RatchetException(ErrorCode.INTERNAL, endpoint + ": unusable reply: " + e, e));
                }
            }
        });
        return result;
    }

    /** Returns whether the channel has fully stopped. */
    boolean terminated() {
        return channel.isTerminated();
    }

    /** Shuts the channel down, failing calls in flight, and waits a bounded time for it to stop. */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
