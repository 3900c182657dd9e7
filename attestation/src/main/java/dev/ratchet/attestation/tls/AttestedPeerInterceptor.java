package dev.ratchet.attestation.tls;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A gRPC server interceptor that makes the calling peer's {@link AttestedPeer} available to
 * service code through {@link #current()}.
 *
 * <p>Service code must decide by the attested node id and role, never by anything the client
 * puts in metadata, which any attested peer can forge. A call that arrives without an attested
 * TLS session (a plaintext or in-process transport wired by mistake) is closed with
 * UNAUTHENTICATED before it reaches the service, so a configuration slip fails closed.
 */
public final class AttestedPeerInterceptor implements ServerInterceptor {
    private static final Context.Key<AttestedPeer> PEER = Context.key("ratchet-attested-peer");

    /** Creates the interceptor; it holds no state. */
    public AttestedPeerInterceptor() {}

    /**
     * Returns the attested peer of the call being served on this thread.
     *
     * @throws IllegalStateException outside a call that passed through this interceptor
     */
    public static AttestedPeer current() {
        AttestedPeer peer = PEER.get();
        if (peer == null) {
            throw new IllegalStateException("no attested peer: the service is not behind AttestedPeerInterceptor");
        }
        return peer;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            call.close(Status.UNAUTHENTICATED.withDescription("call did not arrive over attested TLS"), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        AttestedPeer peer;
        try {
            peer = AttestedPeer.fromSession(session);
        } catch (SSLPeerUnverifiedException e) {
            call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
    }
}
