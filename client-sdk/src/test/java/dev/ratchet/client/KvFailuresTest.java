package dev.ratchet.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.client.proto.KvError;
import io.grpc.Status;
import java.net.ConnectException;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The one mapping from gRPC failures to error codes, and the codes' contract with kv.proto. */
class KvFailuresTest {
    private static final KvFailures.CallKind READ = KvFailures.CallKind.READ;
    private static final KvFailures.CallKind WRITE = KvFailures.CallKind.WRITE;

    @Test
    void everyKvError_hasAnErrorCodeOfTheSameName() {
        for (KvError error : KvError.values()) {
            if (error == KvError.KV_ERROR_UNSPECIFIED || error == KvError.UNRECOGNIZED) {
                continue;
            }
            ErrorCode code = ErrorCode.valueOf(error.name());
            assertEquals(code, map(FakeKvServer.statusOf(error), WRITE));
            assertEquals(code, map(FakeKvServer.statusOf(error), READ));
        }
    }

    @Test
    void retryableAndUnknownFlags_matchKvProto() {
        for (ErrorCode code : ErrorCode.values()) {
            boolean retryable = switch (code) {
                case OVERLOADED, NOT_SERVING, OUTCOME_UNKNOWN, UNAVAILABLE, DEADLINE_EXCEEDED -> true;
                default -> false;
            };
            assertEquals(retryable, code.retryable(), code.name());
            assertEquals(code == ErrorCode.OUTCOME_UNKNOWN, code.outcomeUnknown(), code.name());
        }
    }

    @Test
    void kvErrorName_decidesWhateverTheStatusCode() {
        assertEquals(ErrorCode.NOT_SERVING, map(Status.INTERNAL.withDescription("NOT_SERVING: draining"), WRITE));
    }

    @Test
    void descriptionPrefix_mustBeAWholeName() {
        assertEquals(Optional.empty(), KvFailures.kvError("NOT_SERVINGX: x"));
        assertEquals(Optional.empty(), KvFailures.kvError("KV_ERROR_UNSPECIFIED: x"));
        assertEquals(Optional.empty(), KvFailures.kvError("no colon"));
        assertEquals(Optional.of(KvError.OVERLOADED), KvFailures.kvError("OVERLOADED: queue full"));
    }

    @Test
    void deadline_isOutcomeUnknownForWrites_andDeadlineForReads() {
        Status deadline = Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after 5s");

        assertEquals(ErrorCode.OUTCOME_UNKNOWN, map(deadline, WRITE));
        assertEquals(ErrorCode.DEADLINE_EXCEEDED, map(deadline, READ));
    }

    @Test
    void droppedConnection_mayHaveAppliedAWrite() {
        Status dropped = Status.UNAVAILABLE.withDescription("connection reset");

        assertEquals(ErrorCode.OUTCOME_UNKNOWN, map(dropped, WRITE));
        assertEquals(ErrorCode.UNAVAILABLE, map(dropped, READ));
    }

    @Test
    void failedConnectOrHandshake_provesNothingWasSent() {
        Status refused = Status.UNAVAILABLE.withCause(new ConnectException("Connection refused"));
        Status handshake = Status.UNAVAILABLE.withCause(new SSLHandshakeException("bad_certificate"));

        assertEquals(ErrorCode.UNAVAILABLE, map(refused, WRITE));
        assertEquals(ErrorCode.UNAVAILABLE, map(handshake, WRITE));
    }

    @Test
    void undefinedStatus_isInternal() {
        assertEquals(ErrorCode.INTERNAL, map(Status.INVALID_ARGUMENT.withDescription("what?"), READ));
        assertEquals(ErrorCode.INTERNAL, map(Status.UNIMPLEMENTED, WRITE));
    }

    @Test
    void exception_carriesEndpointCodeAndCause() {
        RuntimeException cause = FakeKvServer.statusOf(KvError.STORAGE_FULL).asRuntimeException();

        RatchetException e = KvFailures.fromThrowable(cause, WRITE, "10.0.0.1:7400");

        assertTrue(e.getMessage().startsWith("STORAGE_FULL: 10.0.0.1:7400: STORAGE_FULL: "), e.getMessage());
        assertEquals(cause, e.getCause());
        assertFalse(e.retryable());
    }

    private static ErrorCode map(Status status, KvFailures.CallKind kind) {
        return KvFailures.fromThrowable(status.asRuntimeException(), kind, "127.0.0.1:1")
                .code();
    }
}
