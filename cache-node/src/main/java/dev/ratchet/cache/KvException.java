package dev.ratchet.cache;

import dev.ratchet.client.proto.KvError;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Objects;

/**
 * A request the cache node answers with one of the protocol's {@link KvError} codes.
 *
 * <p>{@link #toStatus()} is the one place where a code becomes a gRPC status: the code the
 * protocol assigns, and a description that starts with the code's name, then ": " and the detail.
 * Details never contain keys or values (they may be secrets); they name sizes, ids and versions.
 */
final class KvException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final KvError error;

    KvException(KvError error, String detail) {
        super(error.name() + ": " + detail);
        this.error = Objects.requireNonNull(error, "error");
    }

    KvException(KvError error, String detail, Throwable cause) {
        super(error.name() + ": " + detail, cause);
        this.error = Objects.requireNonNull(error, "error");
    }

    KvError error() {
        return error;
    }

    /** Returns the status this error is answered with. */
    StatusRuntimeException toStatus() {
        return statusCode(error).withDescription(getMessage()).asRuntimeException();
    }

    /** Returns the gRPC code kv.proto assigns to {@code error}. */
    static Status statusCode(KvError error) {
        return switch (error) {
            case KEY_EMPTY, KEY_TOO_LARGE, VALUE_TOO_LARGE, MALFORMED_REQUEST -> Status.INVALID_ARGUMENT;
            case OVERLOADED, STORAGE_FULL -> Status.RESOURCE_EXHAUSTED;
            case NOT_SERVING, OUTCOME_UNKNOWN -> Status.UNAVAILABLE;
            case WRONG_ROLE -> Status.PERMISSION_DENIED;
            case UNREADABLE -> Status.DATA_LOSS;
            case REQUEST_ID_REUSED, REBUILD_REFUSED, REQUEST_TOO_OLD -> Status.FAILED_PRECONDITION;
            case KV_ERROR_UNSPECIFIED, UNRECOGNIZED -> Status.INTERNAL;
        };
    }

    /** Returns {@code failure} as a KvException, unwrapping completion wrappers; others are NOT_SERVING. */
    static KvException of(Throwable failure) {
        return of(failure, KvError.NOT_SERVING, "internal failure: ");
    }

    /**
     * Returns {@code failure} as a KvException, unwrapping completion wrappers; any other failure
     * becomes {@code otherwise}, its message {@code prefix} followed by the cause.
     */
    static KvException of(Throwable failure, KvError otherwise, String prefix) {
        Throwable cause = failure;
        while ((cause instanceof java.util.concurrent.CompletionException
                        || cause instanceof java.util.concurrent.ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof KvException kv) {
            return kv;
        }
        return new KvException(otherwise, prefix + cause, cause);
    }
}
