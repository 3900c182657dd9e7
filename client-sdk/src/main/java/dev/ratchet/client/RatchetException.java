package dev.ratchet.client;

import java.util.Objects;

/**
 * The failure of a {@link RatchetClient} operation, with an {@link ErrorCode} that says what to do.
 *
 * <p>Unchecked, because most failures are not recoverable where the call is made, the async
 * methods carry it inside a {@code CompletableFuture} (where checked exceptions are wrapped
 * anyway), and gRPC's own failures are unchecked too. The client has already retried retryable
 * codes up to its attempt limit by the time a caller sees one.
 */
public final class RatchetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String detail;

    /** Creates an exception with {@code code} and a detail for people. */
    public RatchetException(ErrorCode code, String detail) {
        this(code, detail, null);
    }

    /** Creates an exception with {@code code}, a detail for people and its cause. */
    public RatchetException(ErrorCode code, String detail, Throwable cause) {
        super(Objects.requireNonNull(code, "code").name() + ": " + detail, cause);
        this.code = code;
        this.detail = detail;
    }

    /** Returns why the operation failed. */
    public ErrorCode code() {
        return code;
    }

    /** Returns the detail for people, without the code name. */
    public String detail() {
        return detail;
    }

    /** Returns whether sending the same request again may succeed; see {@link ErrorCode#retryable()}. */
    public boolean retryable() {
        return code.retryable();
    }

    /** Returns whether a failed write may nevertheless have been applied. */
    public boolean outcomeUnknown() {
        return code.outcomeUnknown();
    }
}
