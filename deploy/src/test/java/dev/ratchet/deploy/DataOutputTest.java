package dev.ratchet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ratchet.client.CasResult;
import dev.ratchet.client.VersionedValue;
import dev.ratchet.client.proto.RaftMember;
import dev.ratchet.client.proto.RebuildStatus;
import dev.ratchet.client.proto.SlotStatus;
import dev.ratchet.client.proto.StatusResponse;
import dev.ratchet.client.proto.TabletStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The data commands' output contract, line by line. */
class DataOutputTest {
    @Test
    void value_plainAndVerbose() {
        VersionedValue value = new VersionedValue("world".getBytes(StandardCharsets.UTF_8), 7);

        assertEquals("world", DataOutput.value(value, false));
        assertEquals("world\tversion=7", DataOutput.value(value, true));
    }

    @Test
    void version_isUnsigned() {
        assertEquals("version=12", DataOutput.version(12));
        assertEquals("version=18446744073709551615", DataOutput.version(-1));
    }

    @Test
    void casFailed_namesTheCurrentVersionOrAbsence() {
        CasResult present = CasResult.failure(Optional.of(new VersionedValue(new byte[] {1}, 9)));

        assertEquals("cas failed: current version=9", DataOutput.casFailed(present));
        assertEquals("cas failed: current absent", DataOutput.casFailed(CasResult.failure(Optional.empty())));
    }

    @Test
    void error_isOneLine_andSaysWhenTheOutcomeIsUnknown() {
        assertEquals("error: NOT_SERVING: no leader", DataOutput.error("NOT_SERVING", "no leader\n\tat x", false));
        assertEquals(
                "error: OUTCOME_UNKNOWN: commit unconfirmed (the write may or may not have been applied)",
                DataOutput.error("OUTCOME_UNKNOWN", "commit unconfirmed", true));
        assertEquals("error: INTERNAL: (no detail)", DataOutput.error("INTERNAL", null, false));
    }

    @Test
    void status_listsMembersTabletsSlotsAndRebuilds() {
        StatusResponse status = StatusResponse.newBuilder()
                .setCacheNodeId("c1")
                .setRegisteredCacheNodes(1)
                .addRaftMembers(RaftMember.newBuilder().setNodeId("n1").setAddress("127.0.0.1:7101"))
                .addRaftMembers(RaftMember.newBuilder()
                        .setNodeId("n2")
                        .setAddress("127.0.0.1:7201")
                        .setLeader(true))
                .addTablets(TabletStatus.newBuilder()
                        .setTabletId(1)
                        .setVersion(4)
                        .setKeyCount(2)
                        .setPlaintextBytes(30)
                        .setStripeCount(1))
                .setDataShards(2)
                .setParityShards(1)
                .setFreeStripes(100)
                .setDeathRecordVersion(1)
                .setDegraded(true)
                .addSlots(SlotStatus.newBuilder()
                        .setSlotIndex(0)
                        .setNodeId("s0")
                        .setAddress("127.0.0.1:7400")
                        .setState("LIVE"))
                .addSlots(SlotStatus.newBuilder()
                        .setSlotIndex(1)
                        .setNodeId("s1")
                        .setAddress("127.0.0.1:7401")
                        .setState("REBUILDING"))
                .addRebuilds(RebuildStatus.newBuilder()
                        .setSlotIndex(1)
                        .setStripesDone(25)
                        .setStripesTotal(100)
                        .setMegabytesPerSecond(3.2))
                .build();

        assertEquals(
                List.of(
                        "answered by cache node c1 (1 registered)",
                        "raft members: 2",
                        "  n1 127.0.0.1:7101",
                        "  n2 127.0.0.1:7201 LEADER",
                        "tablets: 1",
                        "  tablet 1 version=4 keys=2 bytes=30 stripes=1",
                        "array 2+1 degraded=yes free-stripes=100 death-record-version=1",
                        "  slot 0 LIVE s0 127.0.0.1:7400",
                        "  slot 1 REBUILDING s1 127.0.0.1:7401",
                        "rebuild slot 1: 25/100 stripes (25%) 3.2 MB/s"),
                DataOutput.status(status));
    }

    @Test
    void status_healthyArray_saysNoRebuilds() {
        List<String> lines = DataOutput.status(
                StatusResponse.newBuilder().setDataShards(4).setParityShards(2).build());

        assertEquals("array 4+2 degraded=no free-stripes=0 death-record-version=0", lines.get(lines.size() - 2));
        assertEquals("rebuilds: none", lines.get(lines.size() - 1));
    }

    @Test
    void rebuildBar_fillsInProportion_andNeverPastFull() {
        RebuildStatus half = RebuildStatus.newBuilder()
                .setSlotIndex(2)
                .setStripesDone(50)
                .setStripesTotal(100)
                .setMegabytesPerSecond(12.34)
                .build();
        assertEquals(
                "slot 2 [###############...............]  50% 50/100 stripes 12.3 MB/s", DataOutput.rebuildBar(half));
        assertEquals(
                "slot 2 [##############################] 100% 100/100 stripes 12.3 MB/s",
                DataOutput.rebuildBar(half.toBuilder().setStripesDone(100).build()));
        assertEquals(
                "slot 2 [##############################] 100% 100/100 stripes 12.3 MB/s",
                DataOutput.rebuildBar(half.toBuilder().setStripesDone(101).build()),
                "a count past the total is shown as full");
        assertEquals(
                "slot 0 [..............................]   0% 0/0 stripes 0.0 MB/s",
                DataOutput.rebuildBar(RebuildStatus.getDefaultInstance()), "not counted yet");
    }

    @Test
    void status_namesTheRebuilder_whenTheStoreSaysWhoItIs() {
        List<String> lines = DataOutput.status(StatusResponse.newBuilder()
                .addRebuilds(RebuildStatus.newBuilder()
                        .setSlotIndex(1)
                        .setStripesDone(1)
                        .setStripesTotal(4)
                        .setRebuilderCacheNodeId("c1"))
                .build());

        assertEquals("rebuild slot 1: 1/4 stripes (25%) 0.0 MB/s by cache node c1", lines.get(lines.size() - 1));
    }
}
