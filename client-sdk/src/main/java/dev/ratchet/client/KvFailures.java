package dev.ratchet.client;

import dev.ratchet.attestation.tls.PeerRefusedException;
import dev.ratchet.client.proto.KvError;
import io.grpc.Status;
import java.net.ConnectException;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;

/**
 * The one place where a failed gRPC call becomes a {@link RatchetException}.
 *
 * <p>A cache node's refusals are statuses whose description starts with a {@link KvError} name and
 * ": "; the name decides the code, whatever the status code is. Everything else is the transport's
 * or a broken server's, and is classified by whether the request can have reached the cache node:
 *
 * <ul>
 *   <li>a refused attestation (the trust manager's {@link PeerRefusedException} in the causes) is
 *       {@link ErrorCode#ATTESTATION_REFUSED}: the handshake failed, nothing was sent;
 *   <li>a connection or handshake that failed otherwise is {@link ErrorCode#UNAVAILABLE}, also
 *       nothing sent;
 *   <li>a deadline, a dropped connection or a cancellation after the call started is, for a write,
 *       {@link ErrorCode#OUTCOME_UNKNOWN} (the cache node may have applied it) and, for a read,
 *       {@link ErrorCode#DEADLINE_EXCEEDED} or {@link ErrorCode#UNAVAILABLE};
 *   <li>any other status is a protocol violation, {@link ErrorCode#INTERNAL}.
 * </ul>
 */
final class KvFailures {
    private static final Map<KvError, ErrorCode> BY_KV_ERROR = Map.ofEntries(
            Map.entry(KvError.KEY_EMPTY, ErrorCode.KEY_EMPTY),
            Map.entry(KvError.KEY_TOO_LARGE, ErrorCode.KEY_TOO_LARGE),
            Map.entry(KvError.VALUE_TOO_LARGE, ErrorCode.VALUE_TOO_LARGE),
            Map.entry(KvError.MALFORMED_REQUEST, ErrorCode.MALFORMED_REQUEST),
            Map.entry(KvError.OVERLOADED, ErrorCode.OVERLOADED),
            Map.entry(KvError.NOT_SERVING, ErrorCode.NOT_SERVING),
            Map.entry(KvError.OUTCOME_UNKNOWN, ErrorCode.OUTCOME_UNKNOWN),
            Map.entry(KvError.STORAGE_FULL, ErrorCode.STORAGE_FULL),
            Map.entry(KvError.WRONG_ROLE, ErrorCode.WRONG_ROLE),
            Map.entry(KvError.UNREADABLE, ErrorCode.UNREADABLE),
            Map.entry(KvError.REQUEST_ID_REUSED, ErrorCode.REQUEST_ID_REUSED),
            Map.entry(KvError.REBUILD_REFUSED, ErrorCode.REBUILD_REFUSED),
            Map.entry(KvError.REQUEST_TOO_OLD, ErrorCode.REQUEST_TOO_OLD));

    private KvFailures() {}

    /** Whether the failed call was a read (safe to repeat) or a write (may have been applied). */
    enum CallKind {
        READ,
        WRITE
    }

    /** Returns the exception for a call to {@code endpoint} that failed with {@code failure}. */
    static RatchetException fromThrowable(Throwable failure, CallKind kind, String endpoint) {
        if (failure instanceof RatchetException already) {
            return already;
        }
        Status status = Status.fromThrowable(failure);
        String description = status.getDescription() == null ? "" : status.getDescription();
        String detail = endpoint + ": " + status.getCode() + ": " + description;
        Optional<ErrorCode> named = kvError(description).map(BY_KV_ERROR::get);
        if (named.isPresent()) {
            return new RatchetException(named.get(), endpoint + ": " + description, failure);
        }
        if (hasCause(failure, PeerRefusedException.class)) {
            return new RatchetException(ErrorCode.ATTESTATION_REFUSED, detail + refusal(failure), failure);
        }
        return switch (status.getCode()) {
            case UNAVAILABLE, CANCELLED, ABORTED, UNKNOWN ->
                neverSent(failure)
                        ? new RatchetException(ErrorCode.UNAVAILABLE, detail + notSent(failure), failure)
                        : maybeSent(kind, ErrorCode.UNAVAILABLE, detail, failure);
            case DEADLINE_EXCEEDED -> maybeSent(kind, ErrorCode.DEADLINE_EXCEEDED, detail, failure);
            default ->
                new RatchetException(ErrorCode.INTERNAL, "status the protocol does not define: " + detail, failure);
        };
    }

    /** Returns the KvError a status description starts with ({@code "NAME: detail"}), if any. */
    static Optional<KvError> kvError(String description) {
        int colon = description.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        String name = description.substring(0, colon);
        for (KvError error : KvError.values()) {
            if (BY_KV_ERROR.containsKey(error) && error.name().equals(name)) {
                return Optional.of(error);
            }
        }
        return Optional.empty();
    }

    private static RatchetException maybeSent(CallKind kind, ErrorCode readCode, String detail, Throwable failure) {
        return kind == CallKind.WRITE
                ? new RatchetException(ErrorCode.OUTCOME_UNKNOWN, "the write may have been applied: " + detail, failure)
                : new RatchetException(readCode, detail, failure);
    }

    // A failed TCP connect or TLS handshake proves the request never left the client.
    private static boolean neverSent(Throwable failure) {
        return hasCause(failure, ConnectException.class) || hasCause(failure, SSLHandshakeException.class);
    }

    // Says which step failed; a handshake the cache node aborted usually means it refused this
    // client's own evidence (its policy does not admit this client's measurement).
    private static String notSent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SSLHandshakeException) {
                return " (TLS handshake failed, nothing sent: " + t.getMessage()
                        + "; if the cache node aborted it, it may have refused this client's attestation)";
            }
        }
        return " (connection failed, nothing sent)";
    }

    private static String refusal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PeerRefusedException refused) {
                return " (cache node refused: " + refused.refusal().code() + ": " + refused.getMessage() + ")";
            }
        }
        return "";
    }

    private static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 32; t = t.getCause(), depth++) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
