package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.tls.AttestedPeer;
import dev.ratchet.attestation.tls.AttestedPeerInterceptor;
import dev.ratchet.client.proto.CompareAndSetRequest;
import dev.ratchet.client.proto.CompareAndSetResponse;
import dev.ratchet.client.proto.DeleteRequest;
import dev.ratchet.client.proto.DeleteResponse;
import dev.ratchet.client.proto.GetRequest;
import dev.ratchet.client.proto.GetResponse;
import dev.ratchet.client.proto.KvError;
import dev.ratchet.client.proto.KvServiceGrpc;
import dev.ratchet.client.proto.PutRequest;
import dev.ratchet.client.proto.PutResponse;
import dev.ratchet.client.proto.RebuildSlotRequest;
import dev.ratchet.client.proto.RebuildSlotResponse;
import dev.ratchet.client.proto.StatusRequest;
import dev.ratchet.client.proto.StatusResponse;
import dev.ratchet.client.proto.TopologyRequest;
import dev.ratchet.client.proto.TopologyResponse;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The client protocol (kv.proto) on a cache node: checks the caller's attested role and every
 * request's shape and sizes, bounds the requests in flight, and hands ops to the write and read
 * paths. Every refusal is a {@link KvException}, so the node keeps serving everyone else.
 */
final class KvEndpoint extends KvServiceGrpc.KvServiceImplBase {
    private final TabletWriter writer;
    private final TabletReader reader;
    private final Supplier<TopologyResponse> topology;
    private final Supplier<StatusResponse> status;
    private final Rebuilds rebuilds;
    private final Executor workers;
    private final Semaphore inFlight;
    private final int inFlightMax;
    private final LongSupplier clockTicks;
    private volatile boolean serving = true;
    private volatile String notServingReason = "this cache node is shutting down";

    /** Why serving is suspended (this node cannot reach its sector servers), or null. */
    private volatile String suspendedReason;

    KvEndpoint(
            TabletWriter writer,
            TabletReader reader,
            Supplier<TopologyResponse> topology,
            Supplier<StatusResponse> status,
            Rebuilds rebuilds,
            Executor workers,
            int inFlightMax,
            LongSupplier clockTicks) {
        this.writer = Objects.requireNonNull(writer, "writer");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.topology = Objects.requireNonNull(topology, "topology");
        this.status = Objects.requireNonNull(status, "status");
        this.rebuilds = Objects.requireNonNull(rebuilds, "rebuilds");
        this.workers = Objects.requireNonNull(workers, "workers");
        this.inFlight = new Semaphore(inFlightMax);
        this.inFlightMax = inFlightMax;
        this.clockTicks = Objects.requireNonNull(clockTicks, "clockTicks");
    }

    /** Refuses every later request with NOT_SERVING (the node is closing). */
    void stopServing() {
        stopServing("this cache node is shutting down");
    }

    /** Refuses every later request with NOT_SERVING, saying why. */
    void stopServing(String reason) {
        notServingReason = reason;
        serving = false;
    }

    /**
     * Refuses every later request with NOT_SERVING, saying why, until {@link #resume}: the node
     * cannot reach its sector servers, and clients do better at another cache node.
     */
    void suspend(String reason) {
        suspendedReason = reason;
    }

    /** Serves again after {@link #suspend} (not after {@link #stopServing}, which is final). */
    void resume() {
        suspendedReason = null;
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> observer) {
        run(
                observer,
                () -> {
                    checkKey(request.getKey());
                    return reader.get(request.getKey());
                },
                found -> found.map(value -> GetResponse.newBuilder()
                                .setFound(true)
                                .setValue(value.value())
                                .setVersion(value.version())
                                .build())
                        .orElse(GetResponse.getDefaultInstance()));
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        run(
                observer,
                () -> {
                    checkKey(request.getKey());
                    checkValue(request.getValue());
                    checkRequestId(request.getRequestId());
                    return writer.submit(stamped(
                            KvOp.put(request.getRequestId(), request.getKey(), request.getValue()),
                            request.getIssuedAtTick()));
                },
                outcome ->
                        PutResponse.newBuilder().setVersion(outcome.version()).build());
    }

    @Override
    public void compareAndSet(CompareAndSetRequest request, StreamObserver<CompareAndSetResponse> observer) {
        run(
                observer,
                () -> {
                    checkKey(request.getKey());
                    checkValue(request.getValue());
                    checkRequestId(request.getRequestId());
                    return writer.submit(stamped(
                            KvOp.compareAndSet(
                                    request.getRequestId(), request.getKey(), expectation(request), request.getValue()),
                            request.getIssuedAtTick()));
                },
                outcome -> CompareAndSetResponse.newBuilder()
                        .setSucceeded(outcome.succeeded())
                        .setVersion(outcome.version())
                        .setCurrentFound(outcome.currentFound())
                        .setCurrentValue(outcome.currentValue())
                        .build());
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> observer) {
        run(
                observer,
                () -> {
                    checkKey(request.getKey());
                    checkRequestId(request.getRequestId());
                    return writer.submit(
                            stamped(KvOp.delete(request.getRequestId(), request.getKey()), request.getIssuedAtTick()));
                },
                outcome -> DeleteResponse.newBuilder()
                        .setExisted(outcome.existed())
                        .build());
    }

    @Override
    public void topology(TopologyRequest request, StreamObserver<TopologyResponse> observer) {
        run(observer, () -> CompletableFuture.supplyAsync(topology, workers), Function.identity());
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        run(observer, () -> CompletableFuture.supplyAsync(status, workers), Function.identity());
    }

    /**
     * The admin rebuild. Role client is the operator tool (clients and operators attest the same
     * role; a deployment that must tell them apart gives operators their own measurement).
     */
    @Override
    public void rebuildSlot(RebuildSlotRequest request, StreamObserver<RebuildSlotResponse> observer) {
        run(
                observer,
                () -> {
                    if (!request.getNodeId().matches("[0-9a-f]{64}")) {
                        throw new KvException(KvError.MALFORMED_REQUEST, "node_id must be 64 lowercase hex characters");
                    }
                    if (request.getAddress().lastIndexOf(':') <= 0) {
                        throw new KvException(KvError.MALFORMED_REQUEST, "address must be HOST:PORT");
                    }
                    return rebuilds.start(request.getSlotIndex(), request.getNodeId(), request.getAddress(), step -> {})
                            .exceptionally(failure -> {
                                Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                                // REBUILD_REFUSED (a well-formed request the cluster's state
                                // refuses) comes as such; anything else failed midway.
                                if (cause instanceof KvException refused) {
                                    throw refused;
                                }
                                throw new KvException(KvError.NOT_SERVING, "the rebuild failed: " + cause, cause);
                            });
                },
                done -> RebuildSlotResponse.newBuilder().setRebuild(done).build());
    }

    /** Checks the caller and the bound, starts the call, and answers when its future completes. */
    private <T, R> void run(StreamObserver<R> observer, Supplier<CompletableFuture<T>> call, Function<T, R> response) {
        try {
            checkCaller();
        } catch (KvException e) {
            observer.onError(e.toStatus());
            return;
        }
        if (!inFlight.tryAcquire()) {
            observer.onError(new KvException(
                            KvError.OVERLOADED, "this cache node already has " + inFlightMax + " requests in flight")
                    .toStatus());
            return;
        }
        CompletableFuture<T> started;
        try {
            started = call.get();
        } catch (RuntimeException e) {
            inFlight.release();
            observer.onError(KvException.of(e).toStatus());
            return;
        }
        started.whenComplete((result, failure) -> {
            inFlight.release();
            if (failure != null) {
                observer.onError(KvException.of(failure).toStatus());
                return;
            }
            R answer;
            try {
                answer = response.apply(result);
            } catch (RuntimeException e) {
                observer.onError(KvException.of(e).toStatus());
                return;
            }
            observer.onNext(answer);
            observer.onCompleted();
        });
    }

    private void checkCaller() {
        if (!serving) {
            throw new KvException(KvError.NOT_SERVING, notServingReason);
        }
        String suspended = suspendedReason;
        if (suspended != null) {
            throw new KvException(KvError.NOT_SERVING, suspended);
        }
        AttestedPeer peer = AttestedPeerInterceptor.current();
        if (peer.role() != Role.CLIENT) {
            throw new KvException(
                    KvError.WRONG_ROLE,
                    "the client protocol serves role client, and the caller attests " + peer.role());
        }
    }

    private static void checkKey(ByteString key) {
        if (key.isEmpty()) {
            throw new KvException(KvError.KEY_EMPTY, "the key is empty");
        }
        if (key.size() > ServingLimits.KEY_BYTES_MAX) {
            throw new KvException(
                    KvError.KEY_TOO_LARGE,
                    "the key is " + key.size() + " bytes, over the limit of " + ServingLimits.KEY_BYTES_MAX);
        }
    }

    private static void checkValue(ByteString value) {
        if (value.size() > ServingLimits.VALUE_BYTES_MAX) {
            throw new KvException(
                    KvError.VALUE_TOO_LARGE,
                    "the value is " + value.size() + " bytes, over the limit of " + ServingLimits.VALUE_BYTES_MAX);
        }
    }

    private static void checkRequestId(ByteString requestId) {
        if (requestId.size() < ServingLimits.REQUEST_ID_BYTES_MIN
                || requestId.size() > ServingLimits.REQUEST_ID_BYTES_MAX) {
            throw new KvException(
                    KvError.MALFORMED_REQUEST,
                    "the request id is " + requestId.size() + " bytes; it must be " + ServingLimits.REQUEST_ID_BYTES_MIN
                            + ".." + ServingLimits.REQUEST_ID_BYTES_MAX);
        }
    }

    /**
     * Returns {@code op} stamped with the client's {@code issuedAtTicks}, refusing a stamp far ahead
     * of this node's store clock ({@link TabletWindow#ISSUED_AHEAD_TICKS_MAX}): it would keep its
     * record in the window for ever and raise the tablet's floor past every other client's stamps.
     */
    private KvOp stamped(KvOp op, long issuedAtTicks) {
        long now = clockTicks.getAsLong();
        // Unsigned on the wire: a stamp at or above 2^63 reads as negative and is as far ahead.
        if (issuedAtTicks < 0 || issuedAtTicks - now > TabletWindow.ISSUED_AHEAD_TICKS_MAX) {
            throw new KvException(
                    KvError.MALFORMED_REQUEST,
                    "issued_at_tick " + Long.toUnsignedString(issuedAtTicks) + " is more than "
                            + TabletWindow.ISSUED_AHEAD_TICKS_MAX + " ticks ahead of the store clock " + now);
        }
        return op.issuedAt(issuedAtTicks);
    }

    private static Expectation expectation(CompareAndSetRequest request) {
        return switch (request.getExpectationCase()) {
            case EXPECTED_VERSION -> {
                if (request.getExpectedVersion() == 0) {
                    throw new KvException(KvError.MALFORMED_REQUEST, "expected_version 0 is never a key's version");
                }
                yield Expectation.version(request.getExpectedVersion());
            }
            case EXPECTED_VALUE -> {
                checkValue(request.getExpectedValue());
                yield Expectation.value(request.getExpectedValue());
            }
            case EXPECT_ABSENT -> {
                if (!request.getExpectAbsent()) {
                    throw new KvException(KvError.MALFORMED_REQUEST, "expect_absent must be true when set");
                }
                yield Expectation.absent();
            }
            case EXPECTATION_NOT_SET ->
                throw new KvException(KvError.MALFORMED_REQUEST, "a compare-and-set needs an expectation");
        };
    }
}
