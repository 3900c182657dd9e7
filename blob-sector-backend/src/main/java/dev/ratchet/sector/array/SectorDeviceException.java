package dev.ratchet.sector.array;

import java.util.Objects;

/**
 * A sector device failed a call; {@link #kind()} says how, so the array knows whether to decode
 * around the device, report it as lying, or give up.
 */
public final class SectorDeviceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** How a device call failed. */
    public enum Kind {
        /** No answer in time, or the connection is down: an erasure, maybe a dead server. */
        UNAVAILABLE,
        /** The answer's signature or nonce did not verify: the server (or a host in between) lied. */
        BAD_PROOF,
        /** The server refused the call with a documented error (see {@link #serverError()}). */
        REFUSED,
        /** The answer is malformed (wrong sector count or size): treated like a lie. */
        MALFORMED_REPLY
    }

    private final Kind kind;
    private final String nodeId;
    private final String serverError;

    /**
     * Creates an exception.
     *
     * @param serverError the server's SectorError code name for {@link Kind#REFUSED}, else null
     */
    public SectorDeviceException(Kind kind, String nodeId, String serverError, String detail, Throwable cause) {
        super(kind + " from " + nodeId + (serverError == null ? "" : " (" + serverError + ")") + ": " + detail, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.nodeId = nodeId;
        this.serverError = serverError;
    }

    /** Returns how the call failed. */
    public Kind kind() {
        return kind;
    }

    /** Returns the node id of the device that failed. */
    public String nodeId() {
        return nodeId;
    }

    /** Returns the server's SectorError code name when it refused the call, else null. */
    public String serverError() {
        return serverError;
    }
}
