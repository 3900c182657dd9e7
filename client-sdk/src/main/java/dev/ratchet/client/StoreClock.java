package dev.ratchet.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The newest tablet-store logical clock this client has seen, read from the trailer {@value
 * #TRAILER_NAME} that every cache node answer carries (kv.proto, "Exactly once, and for how long").
 *
 * <p>A write is stamped with this clock when it is first sent ({@code issued_at_tick}) and keeps
 * the stamp on every retry, so the cluster can tell whether a retry is still inside its tablet's
 * idempotency window. The clock only moves forward: an answer from a cache node that lags behind
 * another never moves it back. A trailer that is not a non-negative decimal is ignored (the stamp
 * stays older, which is only more cautious). Thread-safe.
 */
final class StoreClock {
    /** The trailer a cache node sets on every answer. */
    static final String TRAILER_NAME = "ratchet-store-clock-ticks";

    static final Metadata.Key<String> TRAILER = Metadata.Key.of(TRAILER_NAME, Metadata.ASCII_STRING_MARSHALLER);

    private final AtomicLong ticks = new AtomicLong();

    /** Returns the newest clock seen, 0 before any answer. */
    long ticks() {
        return ticks.get();
    }

    /** Moves the clock to {@code seen} if that is newer. */
    void observe(long seen) {
        ticks.accumulateAndGet(seen, Math::max);
    }

    /** Parses a trailer value; returns -1 if it is not a non-negative decimal long. */
    static long parse(String value) {
        if (value == null || value.isEmpty() || value.length() > 19) {
            return -1;
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return -1;
            }
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Returns an interceptor that observes the trailer of every call on a channel. */
    ClientInterceptor interceptor() {
        return new ClientInterceptor() {
            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(
                    MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<A> listener, Metadata headers) {
                        super.start(
                                new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                                    @Override
                                    public void onClose(Status status, Metadata trailers) {
                                        long seen = parse(trailers.get(TRAILER));
                                        if (seen >= 0) {
                                            observe(seen);
                                        }
                                        super.onClose(status, trailers);
                                    }
                                },
                                headers);
                    }
                };
            }
        };
    }
}
