package dev.ratchet.sector.array;

import dev.ratchet.sector.proto.SectorError;
import io.grpc.Status;

/**
 * How a failed sector-server call becomes a {@link SectorDeviceException}.
 *
 * <p>The server's refusals carry a stable SectorError name at the start of the status description
 * ({@code "WRITER_NOT_AUTHORIZED: ..."}); those are REFUSED, with the name. Everything else is
 * UNAVAILABLE: a deadline, a dropped connection, a refused handshake, or a status the protocol
 * does not define (a server bug). For the array they are all the same thing, an erasure.
 */
final class GrpcFailures {
    private GrpcFailures() {}

    static SectorDeviceException fromStatus(String nodeId, Throwable failure) {
        Status status = Status.fromThrowable(failure);
        String description = status.getDescription() == null ? "" : status.getDescription();
        String error = sectorError(description);
        if (error != null) {
            return new SectorDeviceException(SectorDeviceException.Kind.REFUSED, nodeId, error, description, failure);
        }
        return new SectorDeviceException(
                SectorDeviceException.Kind.UNAVAILABLE, nodeId, null, status.getCode() + ": " + description, failure);
    }

    /** Returns the SectorError name a description starts with, or null if it names none. */
    static String sectorError(String description) {
        int colon = description.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        String name = description.substring(0, colon);
        for (SectorError error : SectorError.values()) {
            if (error != SectorError.UNRECOGNIZED
                    && error != SectorError.SECTOR_ERROR_UNSPECIFIED
                    && error.name().equals(name)) {
                return name;
            }
        }
        return null;
    }
}
