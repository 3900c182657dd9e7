package dev.ratchet.sector.server;

import dev.ratchet.sector.proto.SectorError;
import io.grpc.Status;
import java.util.Objects;

/**
 * A request the sector server refuses, with the protocol's {@link SectorError} and the gRPC status
 * code the proto assigns to it.
 *
 * <p>The status description is {@code "<SectorError name>: <detail>"}, so a client can tell every
 * refusal apart without parsing prose, and an operator reading a log sees the same text.
 */
final class SectorRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final SectorError error;

    SectorRefusedException(SectorError error, String detail) {
        super(error.name() + ": " + detail);
        this.error = Objects.requireNonNull(error, "error");
        if (error == SectorError.SECTOR_ERROR_UNSPECIFIED || error == SectorError.UNRECOGNIZED) {
            throw new IllegalArgumentException("a refusal needs a specific error, not " + error);
        }
    }

    SectorError error() {
        return error;
    }

    /** Returns the status the call is closed with. */
    Status status() {
        return Status.fromCode(code(error)).withDescription(getMessage());
    }

    /** Returns the gRPC code of each error, as documented beside it in sector.proto. */
    static Status.Code code(SectorError error) {
        return switch (error) {
            case MALFORMED_REQUEST -> Status.Code.INVALID_ARGUMENT;
            case SECTOR_OUT_OF_RANGE -> Status.Code.OUT_OF_RANGE;
            case TOO_MANY_SECTORS, SERVER_FULL -> Status.Code.RESOURCE_EXHAUSTED;
            case WRITER_NOT_AUTHORIZED, WRONG_ROLE -> Status.Code.PERMISSION_DENIED;
            case AUTHORIZATION_ROLLBACK, AUTHORIZATION_STALE, AUTHORITY_NOT_SET -> Status.Code.FAILED_PRECONDITION;
            case AUTHORITY_ALREADY_SET -> Status.Code.ALREADY_EXISTS;
            case AUTHORIZATION_SIGNATURE -> Status.Code.UNAUTHENTICATED;
            case SECTOR_ERROR_UNSPECIFIED, UNRECOGNIZED -> throw new IllegalArgumentException("no code for " + error);
        };
    }
}
