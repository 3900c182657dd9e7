package dev.ratchet.raft;

import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.Status;

/** A server call with no transport and no TLS session, recording how it was closed. */
final class FakeServerCall<Q, R> extends ServerCall<Q, R> {
    private final MethodDescriptor<Q, R> method;
    Status closedWith;

    FakeServerCall(MethodDescriptor<Q, R> method) {
        this.method = method;
    }

    @Override
    public void request(int count) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(R message) {
        throw new AssertionError("nothing should be sent: " + message);
    }

    @Override
    public void close(Status status, Metadata trailers) {
        closedWith = status;
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
        return method;
    }
}
