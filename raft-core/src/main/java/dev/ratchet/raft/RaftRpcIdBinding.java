package dev.ratchet.raft;

import dev.ratchet.attestation.tls.AttestedPeer;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC interceptor on a Raft server's server port that binds the ids inside every Raft RPC to
 * the TLS connection it arrives on: the sender's id ({@code requestorId}) must be the attested node
 * id of the TLS peer, and the addressee's id ({@code replyId}) must be this server's own id.
 *
 * <p><b>Threat.</b> Ratis trusts the ids written in a request. The server port admits only
 * attested tablet-store members (its trust manager), but an admitted member could still write
 * another member's id as the sender, and so cast that member's vote, or send entries and elections
 * in its name. And Ratis routes by group id without checking that a request was meant for the
 * server that got it (ratis-guide §4.2): a new node that took over an old member's address would
 * be treated as the old member by any peer still sending to that address with the old id. With
 * peer id = attested node id ({@link AttestedRaftChannels#peerId}), both checks are exact.
 *
 * <p><b>Refusal.</b> The call is closed with {@code PERMISSION_DENIED} and a description starting
 * with the code ({@value #REQUESTOR_ID_MISMATCH}, {@value #REPLY_ID_MISMATCH}, or {@value
 * #UNCHECKED_RPC} for a request type this binding does not know, so that a Ratis upgrade adding
 * one fails closed); Ratis sees nothing of it, and the refusal is logged and counted. The streams
 * (appendEntries, installSnapshot) are checked message by message, and the first bad one ends the
 * stream. Other services on the port (the snapshot fetch of {@link SideChannels}) carry no ids and
 * pass.
 */
final class RaftRpcIdBinding extends AttestedServiceInterceptor {
    /** The request's sender id is not the attested node id of the TLS peer that sent it. */
    static final String REQUESTOR_ID_MISMATCH = "REQUESTOR_ID_MISMATCH";

    /** The request is addressed to another server id than this server's. */
    static final String REPLY_ID_MISMATCH = "REPLY_ID_MISMATCH";

    /** A Raft server request of a type whose ids this binding cannot read. */
    static final String UNCHECKED_RPC = "UNCHECKED_RPC";

    private static final Logger LOG = LoggerFactory.getLogger(RaftRpcIdBinding.class);
    // Ids are 64 hex characters; a forged one may be anything, so it is shortened in messages.
    private static final int SHOWN_ID_CHARS_MAX = 80;

    private final ByteString self;

    RaftRpcIdBinding(RaftPeerId self, RefusalCounts refusals) {
        super(RaftServerProtocolServiceGrpc.SERVICE_NAME, refusals);
        this.self = self.toByteString();
    }

    /** Why a request was refused: a code and a detail. */
    record Refusal(String code, String detail) {
        Status status() {
            return Status.PERMISSION_DENIED.withDescription(code + ": " + detail);
        }
    }

    @Override
    <Q, R> ServerCall.Listener<Q> intercept(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next, AttestedPeer peer) {
        ClosableCall<Q, R> closable = new ClosableCall<>(call);
        return new CheckingListener<>(
                next.startCall(closable, headers), closable, peer, ByteString.copyFromUtf8(peer.nodeId()));
    }

    /**
     * Returns why {@code request} may not arrive from the TLS peer whose node id is {@code peerId},
     * or null if it may.
     */
    Refusal check(Object request, ByteString peerId) {
        RaftRpcRequestProto ids = idsOf(request);
        if (ids == null) {
            return new Refusal(
                    UNCHECKED_RPC,
                    "no id check is known for "
                            + (request == null ? "null" : request.getClass().getSimpleName()));
        }
        if (!ids.getRequestorId().equals(peerId)) {
            return new Refusal(
                    REQUESTOR_ID_MISMATCH,
                    "the request says it is from " + shown(ids.getRequestorId()) + " but the TLS peer is "
                            + peerId.toStringUtf8());
        }
        if (!ids.getReplyId().equals(self)) {
            return new Refusal(
                    REPLY_ID_MISMATCH,
                    "the request is addressed to " + shown(ids.getReplyId()) + " but this server is "
                            + self.toStringUtf8());
        }
        return null;
    }

    private static RaftRpcRequestProto idsOf(Object request) {
        if (request instanceof AppendEntriesRequestProto r) {
            return r.getServerRequest();
        }
        if (request instanceof RequestVoteRequestProto r) {
            return r.getServerRequest();
        }
        if (request instanceof InstallSnapshotRequestProto r) {
            return r.getServerRequest();
        }
        if (request instanceof ReadIndexRequestProto r) {
            return r.getServerRequest();
        }
        if (request instanceof StartLeaderElectionRequestProto r) {
            return r.getServerRequest();
        }
        return null;
    }

    private static String shown(ByteString id) {
        String text = id.toStringUtf8();
        return text.length() <= SHOWN_ID_CHARS_MAX
                ? "'" + text + "'"
                : "'" + text.substring(0, SHOWN_ID_CHARS_MAX) + "…'";
    }

    /**
     * Passes messages on while they pass the check; at the first that fails, closes the call and
     * tells Ratis's side the call was cancelled, so its stream state is cleaned up as for a peer
     * that went away. gRPC delivers these callbacks one at a time.
     */
    private final class CheckingListener<Q, R> extends ServerCall.Listener<Q> {
        private final ServerCall.Listener<Q> delegate;
        private final ClosableCall<Q, R> call;
        private final AttestedPeer peer;
        private final ByteString peerId;
        private volatile boolean refused;

        CheckingListener(
                ServerCall.Listener<Q> delegate, ClosableCall<Q, R> call, AttestedPeer peer, ByteString peerId) {
            this.delegate = delegate;
            this.call = call;
            this.peer = peer;
            this.peerId = peerId;
        }

        @Override
        public void onMessage(Q message) {
            if (refused) {
                return;
            }
            Refusal refusal = check(message, peerId);
            if (refusal == null) {
                delegate.onMessage(message);
                return;
            }
            refused = true;
            refusals.record(refusal.code());
            LOG.warn(
                    "refused {} from tablet-store node {}: {}",
                    call.getMethodDescriptor().getBareMethodName(),
                    peer.nodeId(),
                    refusal.status().getDescription());
            call.close(refusal.status(), new Metadata());
            delegate.onCancel();
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                delegate.onHalfClose();
            }
        }

        @Override
        public void onCancel() {
            if (!refused) {
                delegate.onCancel();
            }
        }

        @Override
        public void onComplete() {
            if (!refused) {
                delegate.onComplete();
            }
        }

        @Override
        public void onReady() {
            if (!refused) {
                delegate.onReady();
            }
        }
    }

    /**
     * A call that this binding may close while Ratis answers on it from its own threads: a gRPC
     * call is not thread-safe, so sends and close take one lock, and sends after close are dropped.
     */
    private static final class ClosableCall<Q, R> extends SimpleForwardingServerCall<Q, R> {
        // Guarded by this.
        private boolean closed;

        ClosableCall(ServerCall<Q, R> call) {
            super(call);
        }

        @Override
        public synchronized void sendHeaders(Metadata headers) {
            if (!closed) {
                super.sendHeaders(headers);
            }
        }

        @Override
        public synchronized void sendMessage(R message) {
            if (!closed) {
                super.sendMessage(message);
            }
        }

        @Override
        public synchronized void close(Status status, Metadata trailers) {
            if (!closed) {
                closed = true;
                super.close(status, trailers);
            }
        }
    }
}
