package dev.ratchet.raft;

import static dev.ratchet.raft.KeyValueApplication.put;
import static dev.ratchet.raft.KeyValueApplication.string;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.ratis.proto.RaftProtos.FollowerInfoProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.junit.jupiter.api.Test;

/**
 * The state machine adapter without a Ratis server: it applies commands, checks checkpoints and
 * stops at a divergence, refuses forged checkpoints, and installs a fetched snapshot across pause
 * and reinitialize.
 */
class ChainedStateMachineTest {
    private final List<String> deaths = new ArrayList<>();
    private byte[] leaderSnapshot;

    private final ChainedStateMachine.Node node = new ChainedStateMachine.Node() {
        @Override
        public void die(String reason, Throwable cause) {
            deaths.add(reason);
        }

        @Override
        public void membershipChanged(Collection<RaftPeer> peers) {}

        @Override
        public byte[] fetchSnapshot(String serverAddress) {
            return leaderSnapshot;
        }

        @Override
        public void serverShutDown() {}
    };

    private ChainedStateMachine newMachine(ReplicatedApplication application) {
        return new ChainedStateMachine(application, node, Runnable::run);
    }

    @Test
    void appliesCommandsAndAgreesWithAMatchingCheckpoint() throws StateMachineException {
        ChainedStateMachine leader = newMachine(new KeyValueApplication());
        ChainedStateMachine follower = newMachine(new KeyValueApplication());
        for (ChainedStateMachine machine : List.of(leader, follower)) {
            assertEquals("", string(machine.applyEntry(1, 1, LogEnvelope.COMMAND.wrap(put("a", "1")))));
            assertEquals("1", string(machine.applyEntry(1, 2, LogEnvelope.COMMAND.wrap(put("a", "2")))));
        }
        byte[] checkpoint = LogEnvelope.checkpoint(leader.chainHead());
        leader.applyEntry(1, 3, checkpoint);
        follower.applyEntry(1, 3, checkpoint);
        assertEquals(1, follower.checkpointsAgreed());
        assertEquals(leader.chainHead(), follower.chainHead());
        assertEquals(List.of(), deaths);
    }

    @Test
    void divergentReplicaStopsLoudlyAndAppliesNothingMore() throws StateMachineException {
        ChainedStateMachine leader = newMachine(new KeyValueApplication());
        KeyValueApplication followerState = new KeyValueApplication();
        ChainedStateMachine follower = newMachine(followerState);
        leader.applyEntry(1, 1, LogEnvelope.COMMAND.wrap(put("a", "1")));
        follower.applyEntry(1, 1, LogEnvelope.COMMAND.wrap(put("a", "forged")));

        StateMachineException stop = assertThrows(
                StateMachineException.class,
                () -> follower.applyEntry(1, 2, LogEnvelope.checkpoint(leader.chainHead())));
        assertTrue(stop.getMessage().contains("LOG INTEGRITY VIOLATION"), stop.getMessage());
        assertEquals(1, deaths.size());
        assertTrue(deaths.get(0).contains("stops rather than diverge"), deaths.get(0));
        assertThrows(
                StateMachineException.class, () -> follower.applyEntry(1, 3, LogEnvelope.COMMAND.wrap(put("b", "1"))));
        assertEquals(null, followerState.contents().get("b"));
    }

    @Test
    void throwingApplicationKillsTheNode() {
        ChainedStateMachine machine = newMachine(new ReplicatedApplication() {
            @Override
            public byte[] apply(byte[] command) {
                throw new IllegalStateException("bug");
            }

            @Override
            public byte[] query(byte[] query) {
                return new byte[0];
            }

            @Override
            public byte[] snapshot() {
                return new byte[0];
            }

            @Override
            public void restore(byte[] snapshot) {}
        });
        assertThrows(
                StateMachineException.class, () -> machine.applyEntry(1, 1, LogEnvelope.COMMAND.wrap(new byte[0])));
        assertTrue(deaths.get(0).contains("apply must never throw"), deaths.get(0));
    }

    @Test
    void clientsCannotWriteACheckpointOfTheirChoosing() throws IOException {
        ChainedStateMachine machine = newMachine(new KeyValueApplication());
        machine.applyEntry(1, 1, LogEnvelope.COMMAND.wrap(put("a", "1")));
        byte[] forged = LogEnvelope.checkpoint(new HashChain.Head(1, new byte[HashChain.HEAD_BYTES]));
        assertThrows(StateMachineException.class, () -> machine.startTransaction(request(forged)));

        // A checkpoint request becomes a checkpoint of the leader's own head.
        TransactionContext trx = machine.startTransaction(request(LogEnvelope.CHECKPOINT_REQUEST.wrap(new byte[0])));
        byte[] logged = trx.getStateMachineLogEntry().getLogData().toByteArray();
        assertEquals(machine.chainHead(), LogEnvelope.checkpointHead(logged));
    }

    @Test
    void installsTheLeadersSnapshotAcrossPauseAndReinitialize() throws Exception {
        ChainedStateMachine leader = newMachine(new KeyValueApplication());
        for (long i = 1; i <= 3; i++) {
            leader.applyEntry(1, i, LogEnvelope.COMMAND.wrap(put("k" + i, "v" + i)));
        }
        assertEquals(3, leader.takeSnapshot());
        leaderSnapshot = leader.latestSnapshotBytes();

        KeyValueApplication joinerState = new KeyValueApplication();
        ChainedStateMachine joiner = newMachine(joinerState);
        joiner.getLifeCycle().startAndTransition(() -> {});
        var installed = joiner.notifyInstallSnapshotFromLeader(leaderRole(), TermIndex.valueOf(1, 4))
                .get();
        assertEquals(3, installed.getIndex());
        joiner.pause();
        assertEquals(LifeCycle.State.PAUSED, joiner.getLifeCycleState());
        joiner.reinitialize();
        assertEquals(LifeCycle.State.RUNNING, joiner.getLifeCycleState());
        assertEquals(3, joiner.getLatestSnapshot().getIndex());
        assertEquals(3, joiner.getLastAppliedTermIndex().getIndex());
        assertEquals(leader.chainHead(), joiner.chainHead());
        assertEquals("v2", joinerState.contents().get("k2"));
        assertEquals(1, joiner.snapshotsInstalled());

        // The chains continue identically after the install.
        byte[] next = LogEnvelope.COMMAND.wrap(put("k4", "v4"));
        leader.applyEntry(1, 4, next);
        joiner.applyEntry(1, 4, next);
        assertArrayEquals(leader.chainHead().digest(), joiner.chainHead().digest());
    }

    @Test
    void noSnapshotMeansSnapshotUnavailable() throws Exception {
        ChainedStateMachine joiner = newMachine(new KeyValueApplication());
        leaderSnapshot = null;
        assertNull(joiner.notifyInstallSnapshotFromLeader(leaderRole(), TermIndex.valueOf(1, 1))
                .get());
    }

    private static RoleInfoProto leaderRole() {
        var leader =
                RaftPeer.newBuilder().setId("leader").setAddress("127.0.0.1:1").build();
        return RoleInfoProto.newBuilder()
                .setFollowerInfo(FollowerInfoProto.newBuilder()
                        .setLeaderInfo(ServerRpcProto.newBuilder().setId(leader.getRaftPeerProto())))
                .build();
    }

    private static RaftClientRequest request(byte[] bytes) {
        return RaftClientRequest.newBuilder()
                .setClientId(ClientId.randomId())
                .setServerId(RaftPeerId.valueOf("s"))
                .setGroupId(RaftGroupId.randomId())
                .setCallId(1)
                .setMessage(Message.valueOf(ByteString.copyFrom(bytes)))
                .setType(RaftClientRequest.writeRequestType())
                .build();
    }
}
