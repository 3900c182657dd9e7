package dev.ratchet.cache;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Puts this cache node's copy of the tablet store's logical clock in the trailer of every answer
 * on the client protocol, successes and errors alike (kv.proto, "Exactly once, and for how long"),
 * so a client learns the clock it stamps its writes with, and a client whose write was refused as
 * too old, with nothing applied, learns a newer one to stamp it anew.
 */
final class StoreClockTrailer implements ServerInterceptor {
    /** The trailer's name, as kv.proto gives it; the value is the clock in decimal. */
    static final String NAME = "ratchet-store-clock-ticks";

    static final Metadata.Key<String> KEY = Metadata.Key.of(NAME, Metadata.ASCII_STRING_MARSHALLER);

    private final LongSupplier clockTicks;

    StoreClockTrailer(LongSupplier clockTicks) {
        this.clockTicks = Objects.requireNonNull(clockTicks, "clockTicks");
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        return next.startCall(
                new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        trailers.put(KEY, Long.toString(clockTicks.getAsLong()));
                        super.close(status, trailers);
                    }
                },
                headers);
    }
}
