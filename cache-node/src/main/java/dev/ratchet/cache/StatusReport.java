package dev.ratchet.cache;

import dev.ratchet.client.proto.RaftMember;
import dev.ratchet.client.proto.SlotStatus;
import dev.ratchet.client.proto.StatusResponse;
import dev.ratchet.client.proto.TabletRange;
import dev.ratchet.client.proto.TabletStatus;
import dev.ratchet.client.proto.TopologyResponse;
import dev.ratchet.sector.array.SectorArray;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.Slot;
import dev.ratchet.tablet.proto.SlotState;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletMeta;
import java.io.IOException;
import java.util.List;
import org.apache.ratis.protocol.RaftPeer;

/** Builds the Topology and Status answers from linearizable tablet-store queries. */
final class StatusReport {
    private StatusReport() {}

    static TopologyResponse topology(TabletDirectory directory) {
        TopologyResponse.Builder answer = TopologyResponse.newBuilder();
        for (TabletMeta tablet : directory.refreshRing().tablets()) {
            answer.addTablets(TabletRange.newBuilder()
                    .setTabletId(tablet.getTabletId())
                    .setRangeFirst(tablet.getRangeFirst())
                    .setRangeLast(tablet.getRangeLast()));
        }
        return answer.build();
    }

    static StatusResponse status(
            TabletDirectory directory,
            TabletStoreClient client,
            List<RaftPeer> peers,
            SectorArray array,
            Rebuilds rebuilds) {
        StatusResponse.Builder answer = StatusResponse.newBuilder().setCacheNodeId(directory.nodeId());
        String leader = leader(client);
        for (RaftPeer peer : peers) {
            answer.addRaftMembers(RaftMember.newBuilder()
                    .setNodeId(peer.getId().toString())
                    .setAddress(peer.getAddress())
                    .setLeader(peer.getId().toString().equals(leader)));
        }
        for (TabletMeta tablet : directory.refreshRing().tablets()) {
            // Every blob records the whole tablet's size after it, so the newest one is current.
            TabletBlob newest =
                    tablet.getDeltasCount() == 0 ? tablet.getBlob() : tablet.getDeltas(tablet.getDeltasCount() - 1);
            int stripes = 0;
            for (TabletBlob blob : TabletBlobs.blobsOf(tablet)) {
                stripes += blob.getStripesCount();
            }
            answer.addTablets(TabletStatus.newBuilder()
                    .setTabletId(tablet.getTabletId())
                    .setVersion(tablet.getVersion())
                    .setRangeFirst(tablet.getRangeFirst())
                    .setRangeLast(tablet.getRangeLast())
                    .setKeyCount(newest.getKeyCount())
                    .setPlaintextBytes(newest.getPlaintextBytes())
                    .setStripeCount(stripes));
        }
        ArrayView view = directory.array();
        boolean degraded = false;
        for (Slot slot : view.getSlotsList()) {
            degraded |= slot.getState() != SlotState.SLOT_LIVE;
            answer.addSlots(SlotStatus.newBuilder()
                    .setSlotIndex(slot.getSlotIndex())
                    .setNodeId(slot.getNodeId())
                    .setAddress(slot.getAddress())
                    .setState(slot.getState().name().substring("SLOT_".length())));
        }
        // A slot this node already decodes around counts too, before the store hears of it.
        degraded |= array.health().degraded();
        return answer.setDataShards(view.getDataShards())
                .setParityShards(view.getParityShards())
                .setDeathRecordVersion(view.getDeathRecordVersion())
                .setFreeStripes(view.getFreeStripeCount())
                .setDegraded(degraded)
                .addAllRebuilds(rebuilds.fromStore(view))
                .setRegisteredCacheNodes(directory.cluster().getCacheNodesCount())
                .setAuthorityPublicKeySpki(directory.authorityPublicKeySpki())
                .build();
    }

    private static String leader(TabletStoreClient client) {
        try {
            return client.leader();
        } catch (IOException e) {
            return "";
        }
    }
}
