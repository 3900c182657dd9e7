package dev.ratchet.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.Message;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.junit.jupiter.api.Test;

/** The server-port id check on hand-made requests of every Raft server RPC. */
class RaftRpcIdBindingTest {
    private static final String SELF = "a".repeat(64);
    private static final String PEER = "b".repeat(64);
    private static final String OTHER = "c".repeat(64);

    private final RefusalCounts refusals = new RefusalCounts();
    private final RaftRpcIdBinding binding = new RaftRpcIdBinding(AttestedRaftChannels.peerId(SELF), refusals);

    @Test
    void everyRaftServerRequest_fromItsTlsPeerToThisServer_passes() {
        for (Message request : requests(PEER, SELF)) {
            assertNull(binding.check(request, utf8(PEER)), request.getClass().getSimpleName());
        }
    }

    @Test
    void aSenderIdOtherThanTheTlsPeer_isRequestorIdMismatch() {
        assertEveryRequestRefused(OTHER, SELF, RaftRpcIdBinding.REQUESTOR_ID_MISMATCH);
    }

    @Test
    void anAddresseeOtherThanThisServer_isReplyIdMismatch() {
        assertEveryRequestRefused(PEER, OTHER, RaftRpcIdBinding.REPLY_ID_MISMATCH);
    }

    private void assertEveryRequestRefused(String requestor, String reply, String code) {
        for (Message request : requests(requestor, reply)) {
            RaftRpcIdBinding.Refusal refusal = binding.check(request, utf8(PEER));
            assertEquals(code, refusal.code(), request.getClass().getSimpleName());
            assertEquals(Status.Code.PERMISSION_DENIED, refusal.status().getCode());
            assertTrue(refusal.status().getDescription().startsWith(code + ": "));
        }
    }

    @Test
    void missingIds_areMismatches() {
        assertEquals(
                RaftRpcIdBinding.REQUESTOR_ID_MISMATCH,
                binding.check(RequestVoteRequestProto.getDefaultInstance(), utf8(PEER))
                        .code());
    }

    @Test
    void aRequestTypeWithNoKnownCheck_isRefusedAsUnchecked() {
        assertEquals(
                RaftRpcIdBinding.UNCHECKED_RPC,
                binding.check(RequestVoteReplyProto.getDefaultInstance(), utf8(PEER))
                        .code());
        assertEquals(
                RaftRpcIdBinding.UNCHECKED_RPC, binding.check(null, utf8(PEER)).code());
    }

    @Test
    void aForgedIdOfAnyLength_isShownShortened() {
        String forged = "z".repeat(10_000);
        RaftRpcIdBinding.Refusal refusal = binding.check(vote(forged, SELF), utf8(PEER));
        assertTrue(
                refusal.detail().length() < 300,
                () -> "detail of " + refusal.detail().length());
    }

    @Test
    void aCallWithoutAnAttestedTlsSession_isClosedUnauthenticated_beforeRatisSeesIt() {
        FakeServerCall<RequestVoteRequestProto, RequestVoteReplyProto> call =
                new FakeServerCall<>(RaftServerProtocolServiceGrpc.getRequestVoteMethod());
        binding.interceptCall(call, new Metadata(), (c, h) -> {
            throw new AssertionError("the call reached Ratis");
        });
        assertEquals(Status.Code.UNAUTHENTICATED, call.closedWith.getCode());
        assertEquals(Map.of(AttestedServiceInterceptor.NOT_ATTESTED, 1L), refusals.snapshot());
    }

    private static List<Message> requests(String requestor, String reply) {
        RaftRpcRequestProto ids = ids(requestor, reply);
        return List.of(
                AppendEntriesRequestProto.newBuilder().setServerRequest(ids).build(),
                RequestVoteRequestProto.newBuilder().setServerRequest(ids).build(),
                InstallSnapshotRequestProto.newBuilder().setServerRequest(ids).build(),
                ReadIndexRequestProto.newBuilder().setServerRequest(ids).build(),
                StartLeaderElectionRequestProto.newBuilder()
                        .setServerRequest(ids)
                        .build());
    }

    private static RequestVoteRequestProto vote(String requestor, String reply) {
        return RequestVoteRequestProto.newBuilder()
                .setServerRequest(ids(requestor, reply))
                .build();
    }

    private static RaftRpcRequestProto ids(String requestor, String reply) {
        return RaftRpcRequestProto.newBuilder()
                .setRequestorId(utf8(requestor))
                .setReplyId(utf8(reply))
                .build();
    }

    private static ByteString utf8(String text) {
        return ByteString.copyFromUtf8(text);
    }
}
