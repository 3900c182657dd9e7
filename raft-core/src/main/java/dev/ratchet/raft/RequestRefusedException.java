package dev.ratchet.raft;

import java.io.IOException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A client request that a Ratchet Raft server refused because of who sent it or what kind of
 * request it is, before anything was logged: the caller sees a {@link #code()} naming the rule and
 * a human-readable {@link #detail()}, and nothing changed.
 *
 * <p>Codes of raft-core itself are the constants below; an application's {@link
 * RequestAuthorizer} adds its own (the tablet store documents its codes on its client). A code is
 * upper-case letters, digits and underscores, and is stable: callers may branch on it.
 *
 * <p>The refusal reaches a {@link RaftGroupClient} caller as this exception. On the wire Ratis
 * carries it as a state-machine exception, by class name and message, and re-creates it on the
 * client with {@link #RequestRefusedException(String)}; that is why the message is exactly {@code
 * CODE: detail}.
 */
public final class RequestRefusedException extends IOException {
    /**
     * The request is a message stream, a data stream or a forwarded request. Ratchet clients never
     * send those, and each would deliver a command to the state machine in a shape the request
     * gate does not read (chunks, or a request inside a request), past the {@link
     * RequestAuthorizer}.
     */
    public static final String UNSUPPORTED_REQUEST_TYPE = "UNSUPPORTED_REQUEST_TYPE";

    /**
     * The request's bytes are not a client request of a Ratchet group: a write that is not an
     * application command or a checkpoint request, or a read that is not an application query or
     * a ping (an empty message, an unknown tag, or a tag only the leader may write).
     */
    public static final String NOT_A_CLIENT_REQUEST = "NOT_A_CLIENT_REQUEST";

    /**
     * The application's {@link RequestAuthorizer} failed unexpectedly (threw something other than
     * this exception); the request is refused rather than admitted unchecked.
     */
    public static final String AUTHORIZER_FAILED = "AUTHORIZER_FAILED";

    private static final long serialVersionUID = 1L;
    private static final Pattern CODE = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
    private static final String SEPARATOR = ": ";

    private final String code;
    private final String detail;

    /**
     * Returns a refusal with {@code code} and {@code detail}.
     *
     * @throws IllegalArgumentException if {@code code} is not 1..64 upper-case letters, digits and
     *     underscores, starting with a letter
     */
    public RequestRefusedException(String code, String detail) {
        super(code + SEPARATOR + detail);
        if (code == null || !CODE.matcher(code).matches()) {
            throw new IllegalArgumentException("not a refusal code: " + code);
        }
        this.code = code;
        this.detail = Objects.requireNonNull(detail, "detail");
    }

    /**
     * Re-creates a refusal from its {@link #getMessage()} ({@code CODE: detail}); Ratis calls this
     * when it hands a server's refusal to the client. A message of another shape becomes code
     * {@code UNKNOWN} with the whole message as detail, so nothing is lost.
     */
    public RequestRefusedException(String message) {
        this(codeOf(message), detailOf(message));
    }

    /** Returns the stable code of the rule that refused the request. */
    public String code() {
        return code;
    }

    /** Returns what was wrong, for people. */
    public String detail() {
        return detail;
    }

    private static String codeOf(String message) {
        int separator = message == null ? -1 : message.indexOf(SEPARATOR);
        if (separator > 0 && CODE.matcher(message.substring(0, separator)).matches()) {
            return message.substring(0, separator);
        }
        return "UNKNOWN";
    }

    private static String detailOf(String message) {
        String code = codeOf(message);
        if (message == null) {
            return "";
        }
        return message.startsWith(code + SEPARATOR) ? message.substring(code.length() + SEPARATOR.length()) : message;
    }
}
