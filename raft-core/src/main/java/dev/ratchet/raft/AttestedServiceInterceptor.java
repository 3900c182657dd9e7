package dev.ratchet.raft;

import dev.ratchet.attestation.tls.AttestedPeer;
import java.util.Objects;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gRPC interceptor, in Ratis's shaded gRPC, for the calls of one service on a Ratis listener,
 * handing each call on with the attested identity of the peer that made it (the attestation
 * module's interceptor is for unshaded gRPC). Calls of other services pass untouched.
 *
 * <p>The identity comes from the call's TLS session, whose certificate the port's {@link
 * dev.ratchet.attestation.tls.AttestedTrustManager} verified at the handshake: node id = hash of
 * the key TLS proved possession of, role from the evidence. A call without such a session can only
 * come from a listener wired without attested TLS by mistake, so it is closed with {@code
 * UNAUTHENTICATED} and code {@value #NOT_ATTESTED}, and counted: a configuration slip fails closed.
 */
abstract class AttestedServiceInterceptor implements ServerInterceptor {
    /** The refusal code of a call that arrived without an attested TLS session. */
    static final String NOT_ATTESTED = "NOT_ATTESTED";

    private static final Logger LOG = LoggerFactory.getLogger(AttestedServiceInterceptor.class);

    private final String serviceName;
    final RefusalCounts refusals;

    AttestedServiceInterceptor(String serviceName, RefusalCounts refusals) {
        this.serviceName = Objects.requireNonNull(serviceName, "serviceName");
        this.refusals = Objects.requireNonNull(refusals, "refusals");
    }

    @Override
    public final <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!serviceName.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        AttestedPeer peer = attestedPeer(call);
        return peer == null ? new ServerCall.Listener<>() {} : intercept(call, headers, next, peer);
    }

    /** Intercepts a call of this interceptor's service made by {@code peer}. */
    abstract <Q, R> ServerCall.Listener<Q> intercept(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next, AttestedPeer peer);

    // Null after closing the call as NOT_ATTESTED.
    private AttestedPeer attestedPeer(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        String problem;
        if (session == null) {
            problem = "the call did not arrive over TLS";
        } else {
            try {
                return AttestedPeer.fromSession(session);
            } catch (SSLPeerUnverifiedException e) {
                problem = e.getMessage();
            }
        }
        refusals.record(NOT_ATTESTED);
        LOG.warn("refused a {} call: {}", call.getMethodDescriptor().getFullMethodName(), problem);
        call.close(Status.UNAUTHENTICATED.withDescription(NOT_ATTESTED + ": " + problem), new Metadata());
        return null;
    }
}
