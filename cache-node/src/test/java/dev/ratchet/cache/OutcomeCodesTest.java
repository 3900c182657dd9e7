package dev.ratchet.cache;

import static dev.ratchet.cache.CacheCluster.bytes;
import static dev.ratchet.cache.CacheCluster.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.client.proto.GetRequest;
import dev.ratchet.client.proto.PutRequest;
import dev.ratchet.tablet.proto.Command;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Honest error codes (issue 13, item 6): once a commit was handed to the tablet store, nothing
 * that breaks afterwards may be answered NOT_SERVING ("not applied"), because the write may have
 * taken effect.
 */
class OutcomeCodesTest {
    private static CacheCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = CacheCluster.start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void anUnexpectedFailureAfterTheCommitApplied_isOutcomeUnknown_andTheRetryAppliesOnce() throws Exception {
        CacheNode node = cluster.startCache();
        node.failAfterApplyForTest(command -> command.getKindCase() == Command.KindCase.COMMIT_TABLETS
                ? new IllegalStateException("a bug after the commit")
                : null);
        ByteString id = requestId();
        PutRequest put = PutRequest.newBuilder()
                .setKey(bytes("k"))
                .setValue(bytes("v"))
                .setRequestId(id)
                .build();
        StatusRuntimeException failed = assertThrows(
                StatusRuntimeException.class,
                () -> cluster.stub(node).withDeadlineAfter(60, TimeUnit.SECONDS).put(put));
        assertEquals(
                Status.Code.UNAVAILABLE,
                failed.getStatus().getCode(),
                failed.getStatus().toString());
        String reason = failed.getStatus().getDescription();
        assertTrue(reason.startsWith("OUTCOME_UNKNOWN"), reason);

        node.failAfterApplyForTest(command -> null);
        // It did apply; the retry with the same request id is answered from the window.
        long version = cluster.stub(node)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .put(put)
                .getVersion();
        assertEquals(
                version,
                cluster.stub(node)
                        .withDeadlineAfter(60, TimeUnit.SECONDS)
                        .get(GetRequest.newBuilder().setKey(bytes("k")).build())
                        .getVersion());
        assertEquals(
                bytes("v"),
                cluster.stub(node)
                        .withDeadlineAfter(60, TimeUnit.SECONDS)
                        .get(GetRequest.newBuilder().setKey(bytes("k")).build())
                        .getValue());
    }
}
