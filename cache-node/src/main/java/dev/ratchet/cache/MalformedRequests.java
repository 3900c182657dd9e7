package dev.ratchet.cache;

import dev.ratchet.client.proto.KvError;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Answers a request whose bytes do not parse as its message with {@code MALFORMED_REQUEST}
 * (INVALID_ARGUMENT), as kv.proto documents, instead of gRPC's UNKNOWN "Application error".
 *
 * <p>gRPC parses a request before any interceptor or service code sees it, so each method of the
 * service is re-registered to receive raw bytes; they are parsed here, and a failure closes just
 * that call. A message that parses goes to the original handler unchanged.
 */
final class MalformedRequests {
    private MalformedRequests() {}

    /** Returns {@code service} with every method parsing its requests here. */
    static ServerServiceDefinition lenient(ServerServiceDefinition service) {
        ServerServiceDefinition.Builder builder =
                ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            builder.addMethod(lenient(method));
        }
        return builder.build();
    }

    private static <Q, R> ServerMethodDefinition<byte[], R> lenient(ServerMethodDefinition<Q, R> original) {
        MethodDescriptor<Q, R> method = original.getMethodDescriptor();
        MethodDescriptor<byte[], R> raw =
                method.toBuilder(new RawBytes(), method.getResponseMarshaller()).build();
        ServerCallHandler<byte[], R> handler = (call, headers) -> {
            ServerCall.Listener<Q> inner =
                    original.getServerCallHandler().startCall(new TypedCall<>(call, method), headers);
            return new ServerCall.Listener<byte[]>() {
                private boolean refused;

                @Override
                public void onMessage(byte[] bytes) {
                    Q parsed;
                    try {
                        parsed = method.parseRequest(new ByteArrayInputStream(bytes));
                    } catch (RuntimeException e) {
                        refused = true;
                        call.close(
                                KvException.statusCode(KvError.MALFORMED_REQUEST)
                                        .withDescription(KvError.MALFORMED_REQUEST.name()
                                                + ": the request does not parse as a "
                                                + method.getBareMethodName() + " request"),
                                new Metadata());
                        return;
                    }
                    inner.onMessage(parsed);
                }

                @Override
                public void onHalfClose() {
                    if (!refused) {
                        inner.onHalfClose();
                    }
                }

                @Override
                public void onCancel() {
                    inner.onCancel();
                }

                @Override
                public void onComplete() {
                    inner.onComplete();
                }

                @Override
                public void onReady() {
                    inner.onReady();
                }
            };
        };
        return ServerMethodDefinition.create(raw, handler);
    }

    /** The raw call seen as a call of the original request type (only the descriptor differs). */
    private static final class TypedCall<Q, R> extends ServerCall<Q, R> {
        private final ServerCall<byte[], R> call;
        private final MethodDescriptor<Q, R> method;

        TypedCall(ServerCall<byte[], R> call, MethodDescriptor<Q, R> method) {
            this.call = call;
            this.method = method;
        }

        @Override
        public void request(int numMessages) {
            call.request(numMessages);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            call.sendHeaders(headers);
        }

        @Override
        public void sendMessage(R message) {
            call.sendMessage(message);
        }

        @Override
        public boolean isReady() {
            return call.isReady();
        }

        @Override
        public void close(Status status, Metadata trailers) {
            call.close(status, trailers);
        }

        @Override
        public boolean isCancelled() {
            return call.isCancelled();
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            call.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            call.setCompression(compressor);
        }

        @Override
        public Attributes getAttributes() {
            return call.getAttributes();
        }

        @Override
        public String getAuthority() {
            return call.getAuthority();
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method;
        }
    }

    /** Passes request bytes through unparsed. */
    private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
