package dev.ratchet.client;

import com.google.protobuf.ByteString;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.client.proto.CompareAndSetRequest;
import dev.ratchet.client.proto.CompareAndSetResponse;
import dev.ratchet.client.proto.DeleteRequest;
import dev.ratchet.client.proto.DeleteResponse;
import dev.ratchet.client.proto.GetRequest;
import dev.ratchet.client.proto.GetResponse;
import dev.ratchet.client.proto.PutRequest;
import dev.ratchet.client.proto.PutResponse;
import dev.ratchet.client.proto.RebuildSlotRequest;
import dev.ratchet.client.proto.RebuildSlotResponse;
import dev.ratchet.client.proto.RebuildStatus;
import dev.ratchet.client.proto.StatusRequest;
import dev.ratchet.client.proto.StatusResponse;
import dev.ratchet.client.proto.TopologyRequest;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratchet Java client: linearizable get, put, compare-and-set and delete of byte-string keys,
 * spoken to attested cache nodes over mutual TLS.
 *
 * <pre>{@code
 * try (RatchetClient client = RatchetClient.builder()
 *         .endpoint(endpoint) // a cache node, "host:port"
 *         .simulatedDevelopmentTrust(simulatedCaDirectory) // INSECURE: local development cluster only
 *         .build()) {
 *     byte[] key = "greeting".getBytes(StandardCharsets.UTF_8);
 *     long version = client.put(key, "hello".getBytes(StandardCharsets.UTF_8));
 *     VersionedValue stored = client.get(key).orElseThrow();
 *     CasResult swapped =
 *             client.compareAndSet(key, Expectation.version(version), "hi".getBytes(StandardCharsets.UTF_8));
 *     boolean existed = client.delete(key);
 *     System.out.println(stored + " " + swapped + " existed=" + existed);
 * }
 * }</pre>
 *
 * <p><b>Trust.</b> Before it sends a byte, the client checks during the TLS handshake that the
 * cache node's evidence verifies, is bound to its TLS key, states role CACHE and meets the
 * verifier's policy; a node that fails is never sent a request ({@link
 * ErrorCode#ATTESTATION_REFUSED}). The client presents its own CLIENT identity.
 *
 * <p><b>Retries.</b> Each operation makes at most {@code maxAttempts} attempts, backing off
 * exponentially with jitter between them, and only on {@link ErrorCode#retryable() retryable}
 * codes. Every attempt of a write carries the same 16-byte request id from a {@link SecureRandom},
 * so the cluster applies it at most once. A write that may have been applied but was not confirmed
 * fails with {@link ErrorCode#OUTCOME_UNKNOWN}; read the key to learn what happened. The cluster
 * remembers request ids for about 120 s of its logical clock (kv.proto, "Exactly once, and for how
 * long"); the default retry budget, {@value #DEFAULT_MAX_ATTEMPTS} attempts of at most {@link
 * #DEFAULT_REQUEST_TIMEOUT} with backoffs of at most {@link #DEFAULT_MAX_BACKOFF}, ends well
 * inside that. A retry that comes later is refused rather than applied twice.
 *
 * <p><b>Routing.</b> A key goes to the cache node that rendezvous hashing picks for its tablet (from
 * the topology, fetched lazily and refreshed), so a tablet's writes from all clients batch on one
 * node; retries move to the next node in that order. Routing is a preference only: any cache node
 * serves any key correctly.
 *
 * <p>Thread-safe; share one client. It owns one channel per endpoint and one daemon thread
 * ({@code ratchet-client-backoff}) that starts retries after their delay; no call blocks a thread
 * while it waits, except the sync methods, which wait for their async twin. Futures of the async
 * methods complete on gRPC or backoff threads, so callbacks attached to them should not block. Keys and values are copied; callers may
 * reuse their arrays at once.
 */
public final class RatchetClient implements AutoCloseable {
    /** Default per-attempt deadline: a batch flush plus a Raft commit, with room for a slow one. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

    /** Default attempts per operation: rides out a cache node restart or two failovers. */
    public static final int DEFAULT_MAX_ATTEMPTS = 5;

    /** Default delay before the first retry. */
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(50);

    /** Default cap on the delay between retries. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(2);

    /** Default age after which the cached topology is fetched again. */
    public static final Duration DEFAULT_TOPOLOGY_REFRESH = Duration.ofSeconds(60);

    /** The most attempts an operation may be allowed: a retry budget must stay a budget. */
    public static final int MAX_ATTEMPTS_MAX = 100;

    /** The longest per-attempt deadline or backoff the builder accepts. */
    public static final Duration DURATION_MAX = Duration.ofMinutes(10);

    /** The most endpoints a client may have: each costs a channel and a hash per routed call. */
    public static final int ENDPOINTS_MAX = 1024;

    private static final Logger log = LoggerFactory.getLogger(RatchetClient.class);

    private final List<CacheNode> nodes;
    private final List<Integer> configuredOrder;
    private final Router router;
    private final Backoff backoff;
    private final int maxAttempts;
    private final Duration requestTimeout;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final SecureRandom requestIds = new SecureRandom();
    private final StoreClock storeClock;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RatchetClient(
            Builder builder, List<CacheNode> nodes, ScheduledExecutorService scheduler, StoreClock storeClock) {
        this.nodes = List.copyOf(nodes);
        this.configuredOrder = IntStream.range(0, nodes.size()).boxed().toList();
        this.router = new Router(List.copyOf(builder.endpoints), builder.topologyRefresh);
        this.backoff = new Backoff(builder.initialBackoff, builder.maxBackoff, builder.random);
        this.maxAttempts = builder.maxAttempts;
        this.requestTimeout = builder.requestTimeout;
        this.clock = builder.clock;
        this.scheduler = scheduler;
        this.storeClock = storeClock;
    }

    /** Returns a builder; endpoints and trust are required, everything else has a default. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the key's current value and version, or empty if it does not exist. Linearizable.
     *
     * @throws RatchetException if the read fails after the client's retries
     */
    public Optional<VersionedValue> get(byte[] key) {
        return await(getAsync(key), KvFailures.CallKind.READ);
    }

    /** Starts {@link #get}; the future fails with a {@link RatchetException}. */
    public CompletableFuture<Optional<VersionedValue>> getAsync(byte[] key) {
        Optional<RatchetException> invalid = Validation.key(key);
        if (invalid.isPresent()) {
            return CompletableFuture.failedFuture(invalid.get());
        }
        GetRequest request =
                GetRequest.newBuilder().setKey(ByteString.copyFrom(key)).build();
        return run(
                key,
                KvFailures.CallKind.READ,
                (node, issuedAtTicks) -> node.<GetResponse, Optional<VersionedValue>>call(
                        requestTimeout, (stub, observer) -> stub.get(request, observer), RatchetClient::checkGet));
    }

    /**
     * Sets the key's value unconditionally and returns its new version.
     *
     * @throws RatchetException if the write fails; {@link RatchetException#outcomeUnknown()} says
     *     whether it may nevertheless have been applied
     */
    public long put(byte[] key, byte[] value) {
        return await(putAsync(key, value), KvFailures.CallKind.WRITE);
    }

    /** Starts {@link #put}; the future fails with a {@link RatchetException}. */
    public CompletableFuture<Long> putAsync(byte[] key, byte[] value) {
        Optional<RatchetException> invalid = Validation.key(key).or(() -> Validation.value(value));
        if (invalid.isPresent()) {
            return CompletableFuture.failedFuture(invalid.get());
        }
        PutRequest request = PutRequest.newBuilder()
                .setKey(ByteString.copyFrom(key))
                .setValue(ByteString.copyFrom(value))
                .setRequestId(newRequestId())
                .build();
        return run(
                key,
                KvFailures.CallKind.WRITE,
                (node, issuedAtTicks) -> node.<PutResponse, Long>call(
                        requestTimeout,
                        (stub, observer) -> stub.put(
                                request.toBuilder()
                                        .setIssuedAtTick(issuedAtTicks)
                                        .build(),
                                observer),
                        reply -> checkVersion(reply.getVersion(), "put")));
    }

    /**
     * Sets the key's value if its current state meets {@code expectation}; a failed comparison is a
     * result, not an exception.
     *
     * @throws RatchetException if the operation fails; {@link RatchetException#outcomeUnknown()}
     *     says whether it may nevertheless have been applied
     */
    public CasResult compareAndSet(byte[] key, Expectation expectation, byte[] value) {
        return await(compareAndSetAsync(key, expectation, value), KvFailures.CallKind.WRITE);
    }

    /** Starts {@link #compareAndSet}; the future fails with a {@link RatchetException}. */
    public CompletableFuture<CasResult> compareAndSetAsync(byte[] key, Expectation expectation, byte[] value) {
        Objects.requireNonNull(expectation, "expectation");
        Optional<RatchetException> invalid = Validation.key(key).or(() -> Validation.value(value));
        if (invalid.isPresent()) {
            return CompletableFuture.failedFuture(invalid.get());
        }
        CompareAndSetRequest.Builder request = CompareAndSetRequest.newBuilder()
                .setKey(ByteString.copyFrom(key))
                .setValue(ByteString.copyFrom(value))
                .setRequestId(newRequestId());
        switch (expectation.kind()) {
            case VERSION -> request.setExpectedVersion(expectation.expectedVersion());
            case VALUE -> request.setExpectedValue(ByteString.copyFrom(expectation.expectedValue()));
            case ABSENT -> request.setExpectAbsent(true);
        }
        CompareAndSetRequest built = request.build();
        return run(
                key,
                KvFailures.CallKind.WRITE,
                (node, issuedAtTicks) -> node.<CompareAndSetResponse, CasResult>call(
                        requestTimeout,
                        (stub, observer) -> stub.compareAndSet(
                                built.toBuilder().setIssuedAtTick(issuedAtTicks).build(), observer),
                        RatchetClient::checkCas));
    }

    /**
     * Removes the key; returns whether it existed.
     *
     * @throws RatchetException if the delete fails; {@link RatchetException#outcomeUnknown()} says
     *     whether it may nevertheless have been applied
     */
    public boolean delete(byte[] key) {
        return await(deleteAsync(key), KvFailures.CallKind.WRITE);
    }

    /** Starts {@link #delete}; the future fails with a {@link RatchetException}. */
    public CompletableFuture<Boolean> deleteAsync(byte[] key) {
        Optional<RatchetException> invalid = Validation.key(key);
        if (invalid.isPresent()) {
            return CompletableFuture.failedFuture(invalid.get());
        }
        DeleteRequest request = DeleteRequest.newBuilder()
                .setKey(ByteString.copyFrom(key))
                .setRequestId(newRequestId())
                .build();
        return run(
                key,
                KvFailures.CallKind.WRITE,
                (node, issuedAtTicks) -> node.<DeleteResponse, Boolean>call(
                        requestTimeout,
                        (stub, observer) -> stub.delete(
                                request.toBuilder()
                                        .setIssuedAtTick(issuedAtTicks)
                                        .build(),
                                observer),
                        reply -> reply.getExisted()));
    }

    /**
     * Admin: rebuilds the DEAD slot {@code slotIndex} onto the fresh sector server {@code
     * serverNodeId} at {@code serverAddress} (HOST:PORT), which the caller has claimed for the
     * cluster (its authority key installed), and completes when the slot is LIVE. For tools such as
     * {@code ratchet rebuild}; progress meanwhile shows in {@link #status()} on every cache node.
     *
     * <p>Sent once, to the first endpoint in configured order, and never retried: the first
     * attempt may have started the rebuild, and a second would be refused. If the answer does not
     * come within {@code timeout}, the future fails with {@link ErrorCode#OUTCOME_UNKNOWN}: the
     * rebuild may still be running; {@link #status()} tells.
     *
     * @return completes with the finished rebuild, or fails with a {@link RatchetException}
     *     ({@link ErrorCode#REBUILD_REFUSED} if the cluster's state refuses it, {@link
     *     ErrorCode#UNAVAILABLE} if it failed midway and the slot is DEAD again)
     */
    public CompletableFuture<RebuildStatus> rebuildSlotAsync(
            int slotIndex, String serverNodeId, String serverAddress, Duration timeout) {
        checkOpen();
        Objects.requireNonNull(serverNodeId, "serverNodeId");
        Objects.requireNonNull(serverAddress, "serverAddress");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, not " + timeout);
        }
        RebuildSlotRequest request = RebuildSlotRequest.newBuilder()
                .setSlotIndex(slotIndex)
                .setNodeId(serverNodeId)
                .setAddress(serverAddress)
                .build();
        Operation<RebuildStatus> operation = new Operation<>(
                nodes,
                configuredOrder,
                KvFailures.CallKind.WRITE,
                1,
                backoff,
                scheduler,
                storeClock::ticks,
                (node, issuedAtTicks) -> node.<RebuildSlotResponse, RebuildStatus>call(
                        timeout,
                        (stub, observer) -> stub.rebuildSlot(request, observer),
                        RebuildSlotResponse::getRebuild),
                node -> {});
        return operation.start();
    }

    /**
     * Returns the cluster as a cache node sees it (Raft members, tablets, array health), from the
     * first endpoint that answers, in the order they were configured. For tools such as {@code
     * ratchet status}.
     *
     * @throws RatchetException if no cache node answers after the client's retries
     */
    public StatusResponse status() {
        checkOpen();
        Operation<StatusResponse> operation = new Operation<>(
                nodes,
                configuredOrder,
                KvFailures.CallKind.READ,
                maxAttempts,
                backoff,
                scheduler,
                storeClock::ticks,
                (node, issuedAtTicks) -> node.<StatusResponse, StatusResponse>call(
                        requestTimeout,
                        (stub, observer) -> stub.status(StatusRequest.getDefaultInstance(), observer),
                        Function.identity()),
                node -> {});
        return await(operation.start(), KvFailures.CallKind.READ);
    }

    /**
     * Closes every channel (calls in flight fail) and waits a bounded time for each to stop. Later
     * calls throw {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        scheduler.shutdownNow();
        for (CacheNode node : nodes) {
            node.close();
        }
    }

    /** Returns whether every channel has stopped; for tests. */
    boolean channelsTerminated() {
        return nodes.stream().allMatch(CacheNode::terminated);
    }

    /** Returns the router; for tests. */
    Router router() {
        return router;
    }

    private <T> CompletableFuture<T> run(byte[] key, KvFailures.CallKind kind, Operation.Attempt<T> call) {
        checkOpen();
        List<Integer> order = router.route(key);
        maybeFetchTopology(nodes.get(order.get(0)));
        return new Operation<>(
                        nodes, order, kind, maxAttempts, backoff, scheduler, storeClock::ticks, call, this::nodeFailed)
                .start();
    }

    private void nodeFailed(CacheNode node) {
        log.debug("cache node {} failed; topology is due for a refresh", node.endpoint());
        router.nodeFailed(clock.instant());
    }

    // Routing is a preference, so operations never wait for the topology: they route by ring
    // position until it arrives.
    private void maybeFetchTopology(CacheNode node) {
        if (!router.startFetchIfDue(clock.instant())) {
            return;
        }
        node.call(
                        requestTimeout,
                        (stub, observer) -> stub.topology(TopologyRequest.getDefaultInstance(), observer),
                        TabletMap::of)
                .whenComplete((tablets, failure) -> {
                    if (failure == null) {
                        router.installed(tablets, clock.instant());
                    } else {
                        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                        if (cause instanceof RatchetException refused && refused.code() == ErrorCode.INTERNAL) {
                            log.warn("ignoring the topology from {}: {}", node.endpoint(), refused.getMessage());
                        } else {
                            log.debug("topology from {} failed: {}", node.endpoint(), cause.toString());
                        }
                        router.fetchFailed(clock.instant());
                    }
                });
    }

    private ByteString newRequestId() {
        byte[] id = new byte[Limits.REQUEST_ID_BYTES];
        requestIds.nextBytes(id);
        return ByteString.copyFrom(id);
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the RatchetClient is closed");
        }
    }

    private static Optional<VersionedValue> checkGet(GetResponse reply) {
        if (!reply.getFound()) {
            return Optional.empty();
        }
        return Optional.of(new VersionedValue(reply.getValue().toByteArray(), checkVersion(reply.getVersion(), "get")));
    }

    private static CasResult checkCas(CompareAndSetResponse reply) {
        if (reply.getSucceeded()) {
            return CasResult.success(checkVersion(reply.getVersion(), "compareAndSet"));
        }
        if (!reply.getCurrentFound()) {
            return CasResult.failure(Optional.empty());
        }
        return CasResult.failure(Optional.of(new VersionedValue(
                reply.getCurrentValue().toByteArray(), checkVersion(reply.getVersion(), "compareAndSet"))));
    }

    private static long checkVersion(long version, String call) {
        if (version == 0) {
            throw new RatchetException(ErrorCode.INTERNAL, call + " reply names version 0 for a stored value");
        }
        return version;
    }

    private static <T> T await(CompletableFuture<T> future, KvFailures.CallKind kind) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RatchetException ratchet) {
                // Re-thrown with the caller's stack, the original kept as the cause.
                throw new RatchetException(ratchet.code(), ratchet.detail(), ratchet);
            }
            throw new RatchetException(ErrorCode.INTERNAL, "unexpected failure: " + cause, cause);
        } catch (InterruptedException e) {
            future.cancel(false);
            Thread.currentThread().interrupt();
            throw kind == KvFailures.CallKind.WRITE
                    ? new RatchetException(
                            ErrorCode.OUTCOME_UNKNOWN, "interrupted while waiting; the write may have been applied", e)
                    : new RatchetException(ErrorCode.UNAVAILABLE, "interrupted while waiting", e);
        }
    }

    /**
     * A builder of {@link RatchetClient}s. Every setter checks its argument and throws {@link
     * IllegalArgumentException} naming the bad value; {@link #build()} throws {@link
     * IllegalStateException} when a required setting is missing or settings conflict.
     */
    public static final class Builder {
        private final Set<String> endpoints = new LinkedHashSet<>();
        private NodeIdentity identity;
        private AttestationVerifier verifier;
        private Path simulatedCaDirectory;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private Duration topologyRefresh = DEFAULT_TOPOLOGY_REFRESH;
        private Clock clock = Clock.systemUTC();
        private RandomGenerator random = new Random();

        private Builder() {}

        /** Adds a cache node endpoint, {@code host:port} or {@code [ipv6]:port}; repeatable, at least one. */
        public Builder endpoint(String hostPort) {
            Objects.requireNonNull(hostPort, "hostPort");
            Endpoint.parse(hostPort);
            if (endpoints.contains(hostPort)) {
                throw new IllegalArgumentException("endpoint " + hostPort + " was already added");
            }
            if (endpoints.size() >= ENDPOINTS_MAX) {
                throw new IllegalArgumentException("at most " + ENDPOINTS_MAX + " endpoints");
            }
            endpoints.add(hostPort);
            return this;
        }

        /** Adds each of {@code hostPorts} as by {@link #endpoint(String)}. */
        public Builder endpoints(List<String> hostPorts) {
            Objects.requireNonNull(hostPorts, "hostPorts");
            if (hostPorts.isEmpty()) {
                throw new IllegalArgumentException("endpoints list is empty");
            }
            hostPorts.forEach(this::endpoint);
            return this;
        }

        /** Sets this client's attested identity, presented for mutual TLS; its role must be CLIENT. */
        public Builder identity(NodeIdentity clientIdentity) {
            Objects.requireNonNull(clientIdentity, "clientIdentity");
            if (clientIdentity.role() != Role.CLIENT) {
                throw new IllegalArgumentException(
                        "the client identity must have role client, not " + clientIdentity.role());
            }
            this.identity = clientIdentity;
            return this;
        }

        /** Sets the verifier of cache nodes' evidence; its policy must allow their measurements for role CACHE. */
        public Builder verifier(AttestationVerifier verifier) {
            this.verifier = Objects.requireNonNull(verifier, "verifier");
            return this;
        }

        /**
         * INSECURE, for a local development cluster only: trust the simulated platform of the local
         * CA in {@code simulatedCaDirectory} (created if missing), run as a simulated CLIENT
         * identity, and admit this build's own code measurement for cache nodes. Simulated evidence
         * proves nothing; every use is logged as INSECURE. Excludes {@link #identity} and {@link
         * #verifier}.
         */
        public Builder simulatedDevelopmentTrust(Path simulatedCaDirectory) {
            this.simulatedCaDirectory = Objects.requireNonNull(simulatedCaDirectory, "simulatedCaDirectory");
            return this;
        }

        /** Sets the deadline of each attempt (default {@link #DEFAULT_REQUEST_TIMEOUT}). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = requirePositive("requestTimeout", timeout);
            return this;
        }

        /** Sets the most attempts per operation, 1..{@link #MAX_ATTEMPTS_MAX} (default {@link #DEFAULT_MAX_ATTEMPTS}). */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1 || attempts > MAX_ATTEMPTS_MAX) {
                throw new IllegalArgumentException("maxAttempts must be 1.." + MAX_ATTEMPTS_MAX + ", not " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** Sets the delay before the first retry (default {@link #DEFAULT_INITIAL_BACKOFF}). */
        public Builder initialBackoff(Duration backoff) {
            this.initialBackoff = requirePositive("initialBackoff", backoff);
            return this;
        }

        /** Sets the cap on the delay between retries (default {@link #DEFAULT_MAX_BACKOFF}). */
        public Builder maxBackoff(Duration backoff) {
            this.maxBackoff = requirePositive("maxBackoff", backoff);
            return this;
        }

        /** Sets how old the cached topology may get before it is fetched again (default {@link #DEFAULT_TOPOLOGY_REFRESH}). */
        public Builder topologyRefresh(Duration interval) {
            this.topologyRefresh = requirePositive("topologyRefresh", interval);
            return this;
        }

        /** Sets the clock for certificate validity, evidence age and topology age (default system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets the random source of backoff jitter (default a new {@link Random}); pass a seeded one
         * for reproducible tests. Request ids always come from a {@link SecureRandom}.
         */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Returns a client with channels to every endpoint; they connect on first use.
         *
         * @throws IllegalStateException if no endpoint or no trust was set, both kinds of trust
         *     were, or {@code maxBackoff} is below {@code initialBackoff}
         */
        public RatchetClient build() {
            if (endpoints.isEmpty()) {
                throw new IllegalStateException("no endpoint: call endpoint(\"host:port\") at least once");
            }
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalStateException(
                        "maxBackoff " + maxBackoff + " is below initialBackoff " + initialBackoff);
            }
            DevelopmentTrust.Trust trust = trust();
            ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "ratchet-client-backoff");
                thread.setDaemon(true);
                return thread;
            });
            scheduler.setRemoveOnCancelPolicy(true);
            List<CacheNode> nodes = new ArrayList<>();
            StoreClock storeClock = new StoreClock();
            try {
                for (String endpoint : endpoints) {
                    nodes.add(CacheNode.open(endpoint, trust.identity(), trust.verifier(), clock, storeClock));
                }
            } catch (SSLException | RuntimeException e) {
                nodes.forEach(CacheNode::close);
                scheduler.shutdownNow();
                throw new IllegalStateException("cannot set up attested TLS: " + e.getMessage(), e);
            }
            return new RatchetClient(this, nodes, scheduler, storeClock);
        }

        private DevelopmentTrust.Trust trust() {
            boolean explicit = identity != null || verifier != null;
            if (explicit && simulatedCaDirectory != null) {
                throw new IllegalStateException(
                        "simulatedDevelopmentTrust cannot be combined with identity() or verifier()");
            }
            if (simulatedCaDirectory != null) {
                return DevelopmentTrust.simulated(simulatedCaDirectory, clock);
            }
            if (identity == null || verifier == null) {
                throw new IllegalStateException("no trust: set both identity() and verifier() "
                        + "(or, for a local development cluster only, simulatedDevelopmentTrust())");
            }
            return new DevelopmentTrust.Trust(identity, verifier);
        }

        private static Duration requirePositive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero() || value.compareTo(DURATION_MAX) > 0) {
                throw new IllegalArgumentException(
                        name + " must be positive and at most " + DURATION_MAX + ", not " + value);
            }
            return value;
        }
    }
}
