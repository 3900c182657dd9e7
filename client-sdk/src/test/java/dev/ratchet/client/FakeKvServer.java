package dev.ratchet.client;

import com.google.protobuf.ByteString;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.tls.AttestedKeyManager;
import dev.ratchet.attestation.tls.AttestedPeerInterceptor;
import dev.ratchet.attestation.tls.AttestedTls;
import dev.ratchet.attestation.tls.AttestedTrustManager;
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
import dev.ratchet.client.proto.StatusRequest;
import dev.ratchet.client.proto.StatusResponse;
import dev.ratchet.client.proto.TabletRange;
import dev.ratchet.client.proto.TopologyRequest;
import dev.ratchet.client.proto.TopologyResponse;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A test-only cache node: serves kv.proto over real attested mutual TLS from an in-memory map, with
 * programmable faults, and records every call it receives.
 *
 * <p>It accepts only role CLIENT at the handshake. Writes are idempotent by request id, as the real
 * cluster's are: a repeated id returns the recorded reply. Versions come from one counter, so they
 * only grow. Faults apply to the data calls and Status, in the order queued: fail with a status,
 * apply and then fail (a write whose commit "was not confirmed"), or hang until the deadline.
 * Thread-safe: everything is guarded by {@code this}. Shared with other modules' tests through
 * this module's test-jar.
 */
public final class FakeKvServer implements AutoCloseable {
    /** One call as received. */
    public record Call(String method, ByteString key, ByteString requestId, String callerNodeId, long issuedAtTick) {}

    private enum FaultKind {
        FAIL,
        APPLY_THEN_FAIL,
        HANG
    }

    private record Fault(FaultKind kind, Status status) {}

    /** A stored value and the version it was written at. */
    private record Stored(ByteString value, long version) {}

    private final NodeIdentity identity;
    private final Server server;
    // Guarded by this.
    private final Map<ByteString, Stored> data = new HashMap<>();
    private final Map<ByteString, Object> repliesByRequestId = new HashMap<>();
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final List<Call> calls = new ArrayList<>();
    private final List<StreamObserver<?>> hung = new ArrayList<>();
    private List<TabletRange> tablets = List.of(TabletRange.newBuilder()
            .setTabletId(1)
            .setRangeFirst(0)
            .setRangeLast(-1L)
            .build());
    private long lastVersion;
    private volatile long storeClockTicks;

    private FakeKvServer(NodeIdentity identity, AttestationVerifier verifier, Clock clock) throws IOException {
        this.identity = identity;
        AttestedTrustManager trust = AttestedTrustManager.builder(verifier)
                .acceptRoles(Role.CLIENT)
                .clock(clock)
                .build();
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(AttestedTls.grpcApplicationServerContext(new AttestedKeyManager(identity), trust))
                .addService(
                        ServerInterceptors.intercept(new Service(), new AttestedPeerInterceptor(), new ClockTrailer()))
                .build()
                .start();
    }

    /** Starts a server presenting {@code identity} and checking clients with {@code verifier}. */
    public static FakeKvServer start(NodeIdentity identity, AttestationVerifier verifier, Clock clock) {
        try {
            return new FakeKvServer(identity, verifier, clock);
        } catch (IOException e) {
            throw new AssertionError("cannot start the fake cache node", e);
        }
    }

    /** Returns {@code 127.0.0.1:port}. */
    public String endpoint() {
        return "127.0.0.1:" + server.getPort();
    }

    /** Returns the node id this fake attests as. */
    public String nodeId() {
        return identity.nodeId();
    }

    /** Makes the next {@code count} data calls fail with {@code error}'s status. */
    public synchronized FakeKvServer failNext(int count, KvError error) {
        return queue(count, FaultKind.FAIL, statusOf(error));
    }

    /** Makes the next {@code count} data calls fail with {@code status}. */
    public synchronized FakeKvServer failNext(int count, Status status) {
        return queue(count, FaultKind.FAIL, status);
    }

    /** Makes the next {@code count} writes apply (and record their reply), then fail with {@code error}. */
    public synchronized FakeKvServer applyThenFailNext(int count, KvError error) {
        return queue(count, FaultKind.APPLY_THEN_FAIL, statusOf(error));
    }

    /** Makes the next {@code count} data calls never answer (until the client's deadline or close). */
    public synchronized FakeKvServer hangNext(int count) {
        return queue(count, FaultKind.HANG, null);
    }

    /** Sets the store clock this server reports in the trailer of every answer (0 at start). */
    public FakeKvServer storeClockTicks(long ticks) {
        this.storeClockTicks = ticks;
        return this;
    }

    /** Replaces the topology this server reports. */
    public synchronized void tablets(List<TabletRange> ranges) {
        this.tablets = List.copyOf(ranges);
    }

    /** Returns every call received so far, Topology included, in arrival order. */
    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Returns the calls of one method ("Put", "Get", ...). */
    public synchronized List<Call> calls(String method) {
        return calls.stream().filter(call -> call.method().equals(method)).toList();
    }

    /**
     * Waits until {@code count} calls of {@code method} have arrived, at most {@code timeout}.
     *
     * @throws AssertionError if they did not
     */
    public synchronized void awaitCalls(String method, int count, java.time.Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (calls(method).size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("saw " + calls(method).size() + " " + method + " calls, not " + count);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Returns how many versions were handed out, i.e. how many writes were applied. */
    public synchronized long writesApplied() {
        return lastVersion;
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new AssertionError("fake cache node did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Returns the status a cache node answers {@code error} with: kv.proto's gRPC code and "NAME: detail". */
    public static Status statusOf(KvError error) {
        Status.Code code = switch (error) {
            case KEY_EMPTY, KEY_TOO_LARGE, VALUE_TOO_LARGE, MALFORMED_REQUEST -> Status.Code.INVALID_ARGUMENT;
            case OVERLOADED, STORAGE_FULL -> Status.Code.RESOURCE_EXHAUSTED;
            case NOT_SERVING, OUTCOME_UNKNOWN -> Status.Code.UNAVAILABLE;
            case WRONG_ROLE -> Status.Code.PERMISSION_DENIED;
            case UNREADABLE -> Status.Code.DATA_LOSS;
            case REQUEST_ID_REUSED, REBUILD_REFUSED, REQUEST_TOO_OLD -> Status.Code.FAILED_PRECONDITION;
            default -> throw new IllegalArgumentException("not a real error: " + error);
        };
        return Status.fromCode(code).withDescription(error.name() + ": injected by the test");
    }

    private FakeKvServer queue(int count, FaultKind kind, Status status) {
        for (int i = 0; i < count; i++) {
            faults.add(new Fault(kind, status));
        }
        return this;
    }

    /**
     * Runs one data call: records it, applies the next fault if any, else answers with {@code
     * apply}; writes are applied once per request id.
     */
    private synchronized <R> void serve(
            String method,
            ByteString key,
            ByteString requestId,
            long issuedAtTick,
            StreamObserver<R> observer,
            Supplier<R> apply) {
        record(new Call(
                method, key, requestId, AttestedPeerInterceptor.current().nodeId(), issuedAtTick));
        Fault fault = faults.poll();
        if (fault != null && fault.kind() == FaultKind.HANG) {
            hung.add(observer);
            return;
        }
        if (fault != null && fault.kind() == FaultKind.FAIL) {
            observer.onError(fault.status().asRuntimeException());
            return;
        }
        R reply;
        try {
            reply = requestId == null ? apply.get() : once(requestId, apply);
        } catch (StatusFailure e) {
            observer.onError(e.status.asRuntimeException());
            return;
        }
        if (fault != null) {
            observer.onError(fault.status().asRuntimeException());
            return;
        }
        observer.onNext(reply);
        observer.onCompleted();
    }

    private synchronized void record(Call call) {
        calls.add(call);
        notifyAll();
    }

    @SuppressWarnings("unchecked")
    private <R> R once(ByteString requestId, Supplier<R> apply) {
        if (requestId.size() < 16 || requestId.size() > 64) {
            throw new StatusFailure(statusOf(KvError.MALFORMED_REQUEST));
        }
        Object recorded = repliesByRequestId.get(requestId);
        if (recorded != null) {
            return (R) recorded;
        }
        R reply = apply.get();
        repliesByRequestId.put(requestId, reply);
        return reply;
    }

    private static void checkKey(ByteString key) {
        if (key.isEmpty()) {
            throw new StatusFailure(statusOf(KvError.KEY_EMPTY));
        }
        if (key.size() > Limits.KEY_BYTES_MAX) {
            throw new StatusFailure(statusOf(KvError.KEY_TOO_LARGE));
        }
    }

    private long nextVersion() {
        return ++lastVersion;
    }

    /** A refusal raised while applying. */
    private static final class StatusFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Status status;

        StatusFailure(Status status) {
            super(status.getDescription(), null, false, false);
            this.status = status;
        }
    }

    /** Sets the store-clock trailer on every answer, as a real cache node does. */
    private final class ClockTrailer implements ServerInterceptor {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            return next.startCall(
                    new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                        @Override
                        public void close(Status status, Metadata trailers) {
                            trailers.put(StoreClock.TRAILER, Long.toString(storeClockTicks));
                            super.close(status, trailers);
                        }
                    },
                    headers);
        }
    }

    private final class Service extends KvServiceGrpc.KvServiceImplBase {
        @Override
        public void get(GetRequest request, StreamObserver<GetResponse> observer) {
            serve("Get", request.getKey(), null, 0, observer, () -> {
                checkKey(request.getKey());
                Stored stored = data.get(request.getKey());
                return stored == null
                        ? GetResponse.newBuilder().setFound(false).build()
                        : GetResponse.newBuilder()
                                .setFound(true)
                                .setValue(stored.value())
                                .setVersion(stored.version())
                                .build();
            });
        }

        @Override
        public void put(PutRequest request, StreamObserver<PutResponse> observer) {
            serve("Put", request.getKey(), request.getRequestId(), request.getIssuedAtTick(), observer, () -> {
                checkKey(request.getKey());
                long version = nextVersion();
                data.put(request.getKey(), new Stored(request.getValue(), version));
                return PutResponse.newBuilder().setVersion(version).build();
            });
        }

        @Override
        public void compareAndSet(CompareAndSetRequest request, StreamObserver<CompareAndSetResponse> observer) {
            serve(
                    "CompareAndSet",
                    request.getKey(),
                    request.getRequestId(),
                    request.getIssuedAtTick(),
                    observer,
                    () -> {
                        checkKey(request.getKey());
                        Stored current = data.get(request.getKey());
                        boolean holds = switch (request.getExpectationCase()) {
                            case EXPECTED_VERSION ->
                                current != null && current.version() == request.getExpectedVersion();
                            case EXPECTED_VALUE ->
                                current != null && current.value().equals(request.getExpectedValue());
                            case EXPECT_ABSENT -> current == null;
                            case EXPECTATION_NOT_SET -> throw new StatusFailure(statusOf(KvError.MALFORMED_REQUEST));
                        };
                        if (holds) {
                            long version = nextVersion();
                            data.put(request.getKey(), new Stored(request.getValue(), version));
                            return CompareAndSetResponse.newBuilder()
                                    .setSucceeded(true)
                                    .setVersion(version)
                                    .build();
                        }
                        CompareAndSetResponse.Builder failed = CompareAndSetResponse.newBuilder();
                        if (current != null) {
                            failed.setCurrentFound(true)
                                    .setCurrentValue(current.value())
                                    .setVersion(current.version());
                        }
                        return failed.build();
                    });
        }

        @Override
        public void delete(DeleteRequest request, StreamObserver<DeleteResponse> observer) {
            serve("Delete", request.getKey(), request.getRequestId(), request.getIssuedAtTick(), observer, () -> {
                checkKey(request.getKey());
                boolean existed = data.remove(request.getKey()) != null;
                if (existed) {
                    nextVersion();
                }
                return DeleteResponse.newBuilder().setExisted(existed).build();
            });
        }

        @Override
        public void topology(TopologyRequest request, StreamObserver<TopologyResponse> observer) {
            synchronized (FakeKvServer.this) {
                record(new Call(
                        "Topology",
                        ByteString.EMPTY,
                        null,
                        AttestedPeerInterceptor.current().nodeId(),
                        0));
                observer.onNext(
                        TopologyResponse.newBuilder().addAllTablets(tablets).build());
            }
            observer.onCompleted();
        }

        @Override
        public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
            serve(
                    "Status",
                    ByteString.EMPTY,
                    null,
                    0,
                    observer,
                    () -> StatusResponse.newBuilder()
                            .setCacheNodeId(identity.nodeId())
                            .setRegisteredCacheNodes(1)
                            .build());
        }
    }
}
