package dev.ratchet.raft;

import dev.ratchet.attestation.tls.AttestedPeer;
import dev.ratchet.raft.RequestAuthorizer.RequestKind;
import java.util.Objects;
import org.apache.ratis.proto.RaftProtos.ClientMessageEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.proto.RaftProtos.WriteRequestTypeProto;
import org.apache.ratis.proto.grpc.RaftClientProtocolServiceGrpc;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC interceptor on a Raft server's client port that hands every client request to the
 * application's {@link RequestAuthorizer}, with the attested identity of the TLS peer that sent it.
 *
 * <p><b>How a refusal travels.</b> Requests of one client share an ordered stream, and Ratis orders
 * the answers by sequence number, so a request cannot simply be dropped (later answers would wait
 * for it) and closing the stream would fail the caller's other requests too. Instead the gate
 * replaces a refused request's bytes with the refusal ({@link LogEnvelope#REFUSED}) and passes it
 * on: the leader's state machine answers a refused write without logging it, and a refused read
 * without reading, as a {@link RequestRefusedException} that the caller's {@link RaftGroupClient}
 * rethrows. A refused request never reaches the application.
 *
 * <p><b>What is checked.</b> Writes must be application commands (authorized as {@link
 * RequestKind#COMMAND}) or checkpoint requests (harmless: the leader fills in the content); reads
 * must be application queries (authorized as {@link RequestKind#QUERY}) or pings; watches pass.
 * Message streams, data streams and forwarded requests are refused ({@link
 * RequestRefusedException#UNSUPPORTED_REQUEST_TYPE}): Ratis would reassemble or unwrap them into a
 * command the gate never saw. A refused request of those types is turned into a write, so that the
 * leader answers it like any other refusal.
 *
 * <p>A call without an attested TLS session (a configuration slip) is closed before it reaches
 * Ratis ({@link AttestedServiceInterceptor}). Thread-safe; counts refusals by code in {@code refusals}.
 */
final class ClientRequestGate extends AttestedServiceInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(ClientRequestGate.class);
    // Echoing a caller's bytes back in full would let one request bloat logs and answers.
    private static final int DETAIL_CHARS_MAX = 512;

    private final RequestAuthorizer authorizer;

    ClientRequestGate(RequestAuthorizer authorizer, RefusalCounts refusals) {
        super(RaftClientProtocolServiceGrpc.SERVICE_NAME, refusals);
        this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
    }

    @Override
    <Q, R> ServerCall.Listener<Q> intercept(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next, AttestedPeer caller) {
        return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            @Override
            @SuppressWarnings("unchecked") // RaftClientProtocolService takes RaftClientRequestProto only
            public void onMessage(Q message) {
                super.onMessage(
                        message instanceof RaftClientRequestProto request ? (Q) gate(caller, request) : message);
            }
        };
    }

    /** Returns {@code request} unchanged if {@code caller} may send it, else the refusal in its place. */
    RaftClientRequestProto gate(AttestedPeer caller, RaftClientRequestProto request) {
        RequestRefusedException refusal = check(caller, request);
        if (refusal == null) {
            return request;
        }
        refusals.record(refusal.code());
        LOG.warn(
                "refused a client request from {} {} (call id {}): {}",
                caller.role(),
                caller.nodeId(),
                request.getRpcRequest().getCallId(),
                refusal.getMessage());
        RaftClientRequestProto.Builder refused = request.toBuilder()
                .setMessage(ClientMessageEntryProto.newBuilder()
                        .setContent(ByteString.copyFrom(LogEnvelope.refused(bounded(refusal)))));
        return switch (request.getTypeCase()) {
            case WRITE, READ, STALEREAD, WATCH -> refused.build();
            default ->
                refused.setWrite(WriteRequestTypeProto.getDefaultInstance()).build();
        };
    }

    private RequestRefusedException check(AttestedPeer caller, RaftClientRequestProto request) {
        ByteString content = request.getMessage().getContent();
        LogEnvelope kind = content.isEmpty() ? null : LogEnvelope.forTag(content.byteAt(0));
        return switch (request.getTypeCase()) {
            case WRITE ->
                kind == LogEnvelope.COMMAND
                        ? authorize(caller, RequestKind.COMMAND, content)
                        : kind == LogEnvelope.CHECKPOINT_REQUEST ? null : notAClientRequest("a write", kind, content);
            case READ, STALEREAD ->
                kind == LogEnvelope.QUERY
                        ? authorize(caller, RequestKind.QUERY, content)
                        : kind == LogEnvelope.PING ? null : notAClientRequest("a read", kind, content);
            case WATCH -> null;
            default ->
                new RequestRefusedException(
                        RequestRefusedException.UNSUPPORTED_REQUEST_TYPE,
                        "a Ratchet group takes writes, reads and watches only, not " + request.getTypeCase());
        };
    }

    private RequestRefusedException authorize(AttestedPeer caller, RequestKind kind, ByteString content) {
        try {
            authorizer.authorize(caller, kind, content.substring(1).toByteArray());
            return null;
        } catch (RequestRefusedException refusal) {
            return refusal;
        } catch (RuntimeException e) {
            LOG.error("the request authorizer failed on a {} from {}; refusing it", kind, caller.nodeId(), e);
            return new RequestRefusedException(
                    RequestRefusedException.AUTHORIZER_FAILED, "the server could not decide; " + e);
        }
    }

    private static RequestRefusedException notAClientRequest(String what, LogEnvelope kind, ByteString content) {
        return new RequestRefusedException(
                RequestRefusedException.NOT_A_CLIENT_REQUEST,
                what + " of " + content.size() + " bytes tagged " + (kind == null ? "with no known kind" : kind)
                        + " is not a Ratchet client request");
    }

    private static RequestRefusedException bounded(RequestRefusedException refusal) {
        return refusal.detail().length() <= DETAIL_CHARS_MAX
                ? refusal
                : new RequestRefusedException(refusal.code(), refusal.detail().substring(0, DETAIL_CHARS_MAX) + "…");
    }
}
