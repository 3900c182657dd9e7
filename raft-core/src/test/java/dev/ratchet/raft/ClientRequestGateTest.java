package dev.ratchet.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TestClusterCa;
import dev.ratchet.attestation.tls.AttestedPeer;
import dev.ratchet.raft.RequestAuthorizer.RequestKind;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.ratis.proto.RaftProtos.ClientMessageEntryProto;
import org.apache.ratis.proto.RaftProtos.ForwardRequestTypeProto;
import org.apache.ratis.proto.RaftProtos.MessageStreamRequestTypeProto;
import org.apache.ratis.proto.RaftProtos.RaftClientReplyProto;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadRequestTypeProto;
import org.apache.ratis.proto.RaftProtos.StaleReadRequestTypeProto;
import org.apache.ratis.proto.RaftProtos.WatchRequestTypeProto;
import org.apache.ratis.proto.RaftProtos.WriteRequestTypeProto;
import org.apache.ratis.proto.grpc.RaftClientProtocolServiceGrpc;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.junit.jupiter.api.Test;

/**
 * The client-port gate on hand-made requests: what reaches the authorizer, what is admitted
 * unchanged, and what a refused request becomes.
 */
class ClientRequestGateTest {
    private static final TestClusterCa CA = new TestClusterCa(Clock.systemUTC());
    private static final NodeIdentity CACHE = CA.identity(Role.CACHE);
    private static final AttestedPeer CALLER = new AttestedPeer(CACHE.nodeId(), CACHE.role(), CACHE.publicKey());

    private final List<String> seen = new ArrayList<>();
    private final RefusalCounts refusals = new RefusalCounts();

    // Admits payloads that start with "ok", refuses the rest as NOPE; records what it saw.
    private final ClientRequestGate gate = new ClientRequestGate(
            (caller, kind, payload) -> {
                String text = new String(payload, StandardCharsets.UTF_8);
                seen.add(caller.nodeId() + " " + kind + " " + text);
                if (!text.startsWith("ok")) {
                    throw new RequestRefusedException("NOPE", "not ok: " + text);
                }
            },
            refusals);

    @Test
    void admittedCommandAndQueryPassUnchanged_andTheAuthorizerSeesThePayloadWithoutItsTag() {
        RaftClientRequestProto command = write(LogEnvelope.COMMAND.wrap(utf8("ok put")));
        RaftClientRequestProto query = read(LogEnvelope.QUERY.wrap(utf8("ok get")));
        assertSame(command, gate.gate(CALLER, command));
        assertSame(query, gate.gate(CALLER, query));
        assertEquals(
                List.of(CACHE.nodeId() + " " + RequestKind.COMMAND + " ok put", CACHE.nodeId() + " QUERY ok get"),
                seen);
        assertEquals(Map.of(), refusals.snapshot());
    }

    @Test
    void refusedCommand_becomesItsRefusal_keepingTypeAndCallId() {
        RaftClientRequestProto refused = gate.gate(CALLER, write(LogEnvelope.COMMAND.wrap(utf8("spend b's stripes"))));
        assertTrue(refused.hasWrite());
        assertEquals(7, refused.getRpcRequest().getCallId());
        RequestRefusedException refusal = refusalIn(refused);
        assertEquals("NOPE", refusal.code());
        assertEquals("not ok: spend b's stripes", refusal.detail());
        assertEquals(Map.of("NOPE", 1L), refusals.snapshot());
    }

    @Test
    void refusedQuery_staysARead() {
        RaftClientRequestProto refused = gate.gate(CALLER, read(LogEnvelope.QUERY.wrap(utf8("secret"))));
        assertTrue(refused.hasRead());
        assertEquals("NOPE", refusalIn(refused).code());
        RaftClientRequestProto stale = request(LogEnvelope.QUERY.wrap(utf8("secret")))
                .setStaleRead(StaleReadRequestTypeProto.getDefaultInstance())
                .build();
        assertTrue(gate.gate(CALLER, stale).hasStaleRead());
        assertEquals("NOPE", refusalIn(gate.gate(CALLER, stale)).code());
    }

    @Test
    void pingsCheckpointRequestsAndWatches_passWithoutTheAuthorizer() {
        RaftClientRequestProto ping = read(LogEnvelope.PING.wrap(new byte[0]));
        RaftClientRequestProto checkpoint = write(LogEnvelope.CHECKPOINT_REQUEST.wrap(new byte[0]));
        RaftClientRequestProto watch = request(new byte[0])
                .setWatch(WatchRequestTypeProto.newBuilder().setIndex(3))
                .build();
        assertSame(ping, gate.gate(CALLER, ping));
        assertSame(checkpoint, gate.gate(CALLER, checkpoint));
        assertSame(watch, gate.gate(CALLER, watch));
        assertEquals(List.of(), seen);
    }

    @Test
    void writesAndReadsOfTheWrongKind_areNotAClientRequest() {
        List<RaftClientRequestProto> wrong = List.of(
                write(new byte[0]),
                write(new byte[] {99, 1, 2}),
                write(LogEnvelope.QUERY.wrap(utf8("ok"))),
                write(LogEnvelope.CHECKPOINT.wrap(new byte[40])),
                write(LogEnvelope.REFUSED.wrap(utf8("OK: I refuse myself"))),
                read(new byte[0]),
                read(LogEnvelope.COMMAND.wrap(utf8("ok put"))),
                read(LogEnvelope.CHECKPOINT_REQUEST.wrap(new byte[0])));
        for (RaftClientRequestProto request : wrong) {
            assertEquals(
                    RequestRefusedException.NOT_A_CLIENT_REQUEST,
                    refusalIn(gate.gate(CALLER, request)).code(),
                    request::toString);
        }
        assertEquals(List.of(), seen);
        assertEquals(Map.of(RequestRefusedException.NOT_A_CLIENT_REQUEST, 8L), refusals.snapshot());
    }

    @Test
    void messageStreamsForwardsAndUntypedRequests_areRefusedAsWrites() {
        byte[] command = LogEnvelope.COMMAND.wrap(utf8("ok put"));
        List<RaftClientRequestProto> unsupported = List.of(
                request(command)
                        .setMessageStream(
                                MessageStreamRequestTypeProto.newBuilder().setStreamId(1))
                        .build(),
                request(command)
                        .setForward(ForwardRequestTypeProto.getDefaultInstance())
                        .build(),
                request(command).build());
        for (RaftClientRequestProto request : unsupported) {
            RaftClientRequestProto refused = gate.gate(CALLER, request);
            assertTrue(refused.hasWrite(), refused::toString);
            assertEquals(
                    RequestRefusedException.UNSUPPORTED_REQUEST_TYPE,
                    refusalIn(refused).code());
        }
        assertEquals(List.of(), seen);
    }

    @Test
    void anAuthorizerThatThrows_refusesAsAuthorizerFailed() {
        ClientRequestGate broken = new ClientRequestGate(
                (caller, kind, payload) -> {
                    throw new IllegalStateException("bug");
                },
                refusals);
        RaftClientRequestProto refused = broken.gate(CALLER, write(LogEnvelope.COMMAND.wrap(utf8("ok"))));
        assertEquals(
                RequestRefusedException.AUTHORIZER_FAILED, refusalIn(refused).code());
    }

    @Test
    void aLongDetailIsCutShort() {
        String longText = "x".repeat(10_000);
        RequestRefusedException refusal = refusalIn(gate.gate(CALLER, write(LogEnvelope.COMMAND.wrap(utf8(longText)))));
        assertTrue(
                refusal.detail().length() < 600,
                () -> "detail of " + refusal.detail().length());
    }

    @Test
    void aCallWithoutAnAttestedTlsSession_isClosedUnauthenticated_beforeRatisSeesIt() {
        FakeServerCall<RaftClientRequestProto, RaftClientReplyProto> call =
                new FakeServerCall<>(RaftClientProtocolServiceGrpc.getOrderedMethod());
        gate.interceptCall(call, new org.apache.ratis.thirdparty.io.grpc.Metadata(), (c, h) -> {
            throw new AssertionError("the call reached Ratis");
        });
        assertEquals(Status.Code.UNAUTHENTICATED, call.closedWith.getCode());
        assertTrue(call.closedWith.getDescription().startsWith(AttestedServiceInterceptor.NOT_ATTESTED + ": "));
        assertEquals(Map.of(AttestedServiceInterceptor.NOT_ATTESTED, 1L), refusals.snapshot());
    }

    static RequestRefusedException refusalIn(RaftClientRequestProto request) {
        byte[] content = request.getMessage().getContent().toByteArray();
        assertEquals(LogEnvelope.REFUSED, LogEnvelope.of(content));
        return LogEnvelope.refusal(content);
    }

    private static RaftClientRequestProto write(byte[] content) {
        return request(content)
                .setWrite(WriteRequestTypeProto.getDefaultInstance())
                .build();
    }

    private static RaftClientRequestProto read(byte[] content) {
        return request(content)
                .setRead(ReadRequestTypeProto.getDefaultInstance())
                .build();
    }

    private static RaftClientRequestProto.Builder request(byte[] content) {
        return RaftClientRequestProto.newBuilder()
                .setRpcRequest(RaftRpcRequestProto.newBuilder().setCallId(7))
                .setMessage(ClientMessageEntryProto.newBuilder().setContent(ByteString.copyFrom(content)));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
