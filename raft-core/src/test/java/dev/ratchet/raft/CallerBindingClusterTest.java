package dev.ratchet.raft;

import static dev.ratchet.raft.KeyValueApplication.get;
import static dev.ratchet.raft.KeyValueApplication.put;
import static dev.ratchet.raft.KeyValueApplication.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.raft.AttestedRaftChannels.RaftPort;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * On one three-node group over loopback attested TLS: a member that writes another member's id
 * into a Raft RPC, or addresses a server by another id, is refused on the server port; and an
 * attested cache that asks for what its identity does not allow is refused with the application's
 * code, while it and others keep being served.
 *
 * <p>The application's rule here: a cache may only touch keys under {@code <its node id>/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class CallerBindingClusterTest {
    private static final long WAIT_SECONDS = RaftTestCluster.WAIT.toSeconds();

    private RaftTestCluster cluster;
    private RaftNode a;
    private RaftNode b;
    private RaftNode c;

    @BeforeAll
    void bootstrap() throws IOException {
        cluster = new RaftTestCluster();
        cluster.authorizer = (caller, kind, payload) -> {
            String[] words = string(payload).split(" ");
            if (caller.role() == Role.CACHE && words.length > 1 && !words[1].startsWith(caller.nodeId() + "/")) {
                throw new RequestRefusedException("FOREIGN_KEY", kind + " of key " + words[1]);
            }
        };
        cluster.bootstrap(3);
        a = cluster.nodes.get(0);
        b = cluster.nodes.get(1);
        c = cluster.nodes.get(2);
    }

    @AfterAll
    void close() {
        cluster.close();
    }

    @Test
    void aMemberSendingVotesAndEntriesInAnotherMembersName_isRefused() throws Exception {
        assertVoteAndEntriesRefused(c, a, RaftRpcIdBinding.REQUESTOR_ID_MISMATCH);
        // The same member under its own name is served: Raft itself turns down a stale vote.
        try (Dialler asB = new Dialler(b, a)) {
            assertFalse(asB.vote(b, a).getServerReply().getSuccess());
        }
        assertGroupCommits("after forged senders");
    }

    @Test
    void aRequestAddressedToAnotherServer_isRefused() throws Exception {
        assertVoteAndEntriesRefused(b, c, RaftRpcIdBinding.REPLY_ID_MISMATCH);
        assertGroupCommits("after misaddressed requests");
    }

    /** Member b, on its own credentials, dials a with a vote and an entries stream carrying these ids. */
    private void assertVoteAndEntriesRefused(RaftNode requestor, RaftNode reply, String code) throws Exception {
        long before = refusals(a, code);
        try (Dialler asB = new Dialler(b, a)) {
            assertRefused(code, assertThrows(StatusRuntimeException.class, () -> asB.vote(requestor, reply)));
            assertRefused(code, asB.appendEntries(requestor, reply));
        }
        assertEquals(before + 2, refusals(a, code));
    }

    @Test
    void aCacheAskingInAnotherCachesName_isRefusedWithTheApplicationsCode_andEveryoneKeepsBeingServed()
            throws Exception {
        NodeIdentity cacheA = cluster.ca.identity(Role.CACHE);
        NodeIdentity cacheB = cluster.ca.identity(Role.CACHE);
        String mine = cacheA.nodeId() + "/x";
        String theirs = cacheB.nodeId() + "/x";
        try (RaftGroupClient clientA = cluster.client(cacheA);
                RaftGroupClient clientB = cluster.client(cacheB)) {
            assertEquals("", string(clientA.submit(put(mine, "a"))));
            assertEquals("", string(clientB.submit(put(theirs, "b"))));

            RequestRefusedException refused =
                    assertThrows(RequestRefusedException.class, () -> clientA.submit(put(theirs, "forged")));
            assertEquals("FOREIGN_KEY", refused.code());
            assertEquals("COMMAND of key " + theirs, refused.detail());

            // On the ordered stream too, and the stream carries on for later requests.
            CompletionException async = assertThrows(
                    CompletionException.class,
                    () -> clientA.submitAsync(put(theirs, "forged")).join());
            assertEquals("FOREIGN_KEY", ((RequestRefusedException) async.getCause()).code());
            assertEquals("a", string(clientA.submitAsync(put(mine, "a2")).join()));

            RequestRefusedException read =
                    assertThrows(RequestRefusedException.class, () -> clientA.query(get(theirs)));
            assertEquals("QUERY of key " + theirs, read.detail());
            assertEquals("a2", string(clientA.query(get(mine))));
            assertEquals("b", string(clientB.submit(put(theirs, "b2"))));
            assertEquals("b2", string(clientB.query(get(theirs))));
        }
        // Nothing refused was logged: every replica holds only what each cache wrote for itself.
        for (RaftNode node : List.of(a, b, c)) {
            Await.until(
                    RaftTestCluster.WAIT,
                    "the honest writes everywhere",
                    () -> "b2".equals(cluster.application(node).contents().get(theirs)));
            assertEquals("a2", cluster.application(node).contents().get(mine));
        }
        assertTrue(refusals("FOREIGN_KEY") >= 3, () -> "counted: " + a.refusalCounts() + b.refusalCounts());
    }

    @Test
    void bytesThatAreNoClientRequest_andRequestShapesThatBypassTheGate_areRefusedWithRaftCoresCodes() throws Exception {
        NodeIdentity cache = cluster.ca.identity(Role.CACHE);
        RaftGroup group = RaftGroup.valueOf(cluster.groupId, cluster.admin.members());
        AttestedRaftChannels channels = AttestedRaftChannels.forClient(
                cache, cluster.verifier, PeerAddressBook.of(cluster.admin.members()), Clock.systemUTC());
        try (RaftClient raw = LoopbackRaftNode.client(group, channels)) {
            IOException untagged =
                    assertThrows(IOException.class, () -> raw.io().send(Message.valueOf("put k v")));
            assertEquals(
                    RequestRefusedException.NOT_A_CLIENT_REQUEST,
                    refusalIn(untagged).code());

            // A message stream would reassemble a command the gate never saw.
            byte[] command = LogEnvelope.COMMAND.wrap(put(cache.nodeId() + "/streamed", "v"));
            CompletableFuture<?> streamed =
                    raw.getMessageStreamApi().streamAsync(Message.valueOf(ByteString.copyFrom(command)));
            ExecutionException failure =
                    assertThrows(ExecutionException.class, () -> streamed.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(
                    RequestRefusedException.UNSUPPORTED_REQUEST_TYPE,
                    refusalIn(failure).code());
        }
        assertFalse(cluster.application(a).contents().containsKey(cache.nodeId() + "/streamed"));
        assertGroupCommits("after refused shapes");
    }

    private void assertGroupCommits(String when) throws IOException {
        try (RaftGroupClient client = cluster.client(cluster.ca.identity(Role.CLIENT))) {
            client.submit(put("still", when));
            assertEquals(when, string(client.query(get("still"))));
        }
    }

    private static void assertRefused(String code, Throwable failure) {
        Status status = Status.fromThrowable(failure);
        assertEquals(Status.Code.PERMISSION_DENIED, status.getCode(), failure::toString);
        assertTrue(status.getDescription().startsWith(code + ": "), status::getDescription);
    }

    private static RequestRefusedException refusalIn(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RequestRefusedException refusal) {
                return refusal;
            }
        }
        throw new AssertionError("no refusal in " + failure, failure);
    }

    private static long refusals(RaftNode node, String code) {
        return node.refusalCounts().getOrDefault(code, 0L);
    }

    private long refusals(String code) {
        return cluster.nodes.stream().mapToLong(n -> refusals(n, code)).sum();
    }

    /** A member's own attested credentials on the server port of another member: what a rogue member holds. */
    private final class Dialler implements AutoCloseable {
        private final ManagedChannel channel;

        Dialler(RaftNode from, RaftNode to) throws IOException {
            AttestedRaftChannels channels = AttestedRaftChannels.forTabletStore(
                    cluster.applicationsIdentity(from),
                    cluster.verifier,
                    PeerAddressBook.of(cluster.admin.members()),
                    Clock.systemUTC());
            channel = SideChannels.channel(
                    channels.tlsConf(RaftPort.SERVER).orElseThrow(), to.peer().getAddress());
        }

        RequestVoteReplyProto vote(RaftNode requestor, RaftNode reply) {
            return RaftServerProtocolServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                    .requestVote(RequestVoteRequestProto.newBuilder()
                            .setServerRequest(ids(requestor, reply))
                            .setCandidateTerm(0)
                            .setPreVote(true)
                            .build());
        }

        /** Opens an appendEntries stream, sends one heartbeat, and returns how the stream ended. */
        Throwable appendEntries(RaftNode requestor, RaftNode reply)
                throws InterruptedException, ExecutionException, TimeoutException {
            CompletableFuture<Throwable> ended = new CompletableFuture<>();
            StreamObserver<AppendEntriesRequestProto> requests = RaftServerProtocolServiceGrpc.newStub(channel)
                    .appendEntries(new StreamObserver<AppendEntriesReplyProto>() {
                        @Override
                        public void onNext(AppendEntriesReplyProto value) {
                            ended.completeExceptionally(new AssertionError("Ratis answered: " + value));
                        }

                        @Override
                        public void onError(Throwable t) {
                            ended.complete(t);
                        }

                        @Override
                        public void onCompleted() {
                            ended.completeExceptionally(new AssertionError("the stream completed"));
                        }
                    });
            requests.onNext(AppendEntriesRequestProto.newBuilder()
                    .setServerRequest(ids(requestor, reply))
                    .setLeaderTerm(0)
                    .build());
            return ended.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        private RaftRpcRequestProto ids(RaftNode requestor, RaftNode reply) {
            return RaftRpcRequestProto.newBuilder()
                    .setRequestorId(ByteString.copyFromUtf8(requestor.nodeId()))
                    .setReplyId(ByteString.copyFromUtf8(reply.nodeId()))
                    .setRaftGroupId(RaftGroupIdProto.newBuilder().setId(cluster.groupId.toByteString()))
                    .build();
        }

        @Override
        public void close() {
            channel.shutdownNow();
        }
    }
}
