package dev.ratchet.raft;

import dev.ratchet.attestation.tls.AttestedPeer;

/**
 * An application's rule for which attested caller may send which request to its Raft group's
 * client port: the hook through which an application binds what a request <em>says</em> about its
 * sender to who the sender <em>is</em>.
 *
 * <p><b>Threat.</b> The client port's trust manager admits every attested process of an admitted
 * role (cache and client); Ratis then applies whatever command arrives. Without this hook any
 * attested cache could submit commands in another cache's name (spend its reservations, commit
 * under them, deregister it). The authorizer sees the attested node id and role of the TLS peer,
 * taken from the session's certificate (never from anything the caller wrote), and the request's
 * bytes, and refuses what that caller may not ask.
 *
 * <p><b>What it sees.</b> Exactly the payload the application will get: for a {@link
 * RequestKind#COMMAND} the bytes {@link ReplicatedApplication#apply} receives if it commits, for a
 * {@link RequestKind#QUERY} the bytes {@link ReplicatedApplication#query} receives, so a rule that
 * parses them parses what will be applied. Requests of raft-core's own (pings, checkpoint requests)
 * and kinds Ratchet never uses are handled before the authorizer (see {@link
 * RequestRefusedException}'s codes).
 *
 * <p><b>Contract.</b> Called on gRPC threads, concurrently, once per request on every server the
 * request reaches (a follower too, before it answers "not leader"), so it must be thread-safe,
 * fast, and free of I/O. It must be a function of its arguments: a rule that depends on replicated
 * state belongs in {@link ReplicatedApplication#apply}, where every replica decides alike. A refusal
 * is answered to the caller as the thrown {@link RequestRefusedException}, logged and counted, and
 * the request is never logged; the caller's connection and its other requests carry on. Any other
 * exception refuses the request as {@link RequestRefusedException#AUTHORIZER_FAILED}.
 */
@FunctionalInterface
public interface RequestAuthorizer {
    /** What a client request asks of the application. */
    enum RequestKind {
        /** A command, to be logged and applied by every replica. */
        COMMAND,
        /** A read-only query, answered from the state. */
        QUERY
    }

    /** Admits every caller the client port's trust manager accepted: for applications with one kind of caller. */
    RequestAuthorizer ADMIT_ALL = (caller, kind, payload) -> {};

    /**
     * Returns normally to admit {@code payload} from {@code caller}.
     *
     * @param caller the attested TLS peer that sent the request
     * @param kind whether the payload is a command or a query
     * @param payload the application's bytes; the authorizer must not modify them
     * @throws RequestRefusedException to refuse; its code and detail reach the caller
     */
    void authorize(AttestedPeer caller, RequestKind kind, byte[] payload) throws RequestRefusedException;
}
