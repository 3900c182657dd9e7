package dev.ratchet.tablet;

import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.CacheNode;
import dev.ratchet.tablet.proto.ClusterView;
import dev.ratchet.tablet.proto.DataKey;
import dev.ratchet.tablet.proto.DataKeysView;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.QueryResult;
import dev.ratchet.tablet.proto.Reservation;
import dev.ratchet.tablet.proto.SignedWriterSet;
import dev.ratchet.tablet.proto.TabletsView;
import java.util.TreeSet;

/** The read-only queries over the state; none changes it. */
final class Queries {
    private Queries() {}

    static QueryResult answer(TabletState state, Query query) {
        if (query.getKindCase() == Query.KindCase.KIND_NOT_SET) {
            return status(QueryResult.Status.INVALID, "no query kind");
        }
        if (!state.bootstrapped) {
            return status(QueryResult.Status.NOT_BOOTSTRAPPED, "the cluster is not bootstrapped");
        }
        return switch (query.getKindCase()) {
            case TABLETS_BY_ID -> tabletsById(state, query);
            case TABLET_FOR_KEY -> tabletForKey(state, query);
            case RING -> ring(state);
            case ARRAY -> array(state);
            case DATA_KEYS -> dataKeys(state);
            case AUTHORIZED_WRITERS -> authorizedWriters(state);
            case CLUSTER -> cluster(state);
            case KIND_NOT_SET -> throw new IllegalStateException("checked above");
        };
    }

    private static QueryResult tabletsById(TabletState state, Query query) {
        var ids = query.getTabletsById().getTabletIdsList();
        if (ids.isEmpty() || ids.size() > Limits.TABLETS_PER_QUERY_MAX) {
            return status(QueryResult.Status.INVALID, "needs 1.." + Limits.TABLETS_PER_QUERY_MAX + " tablet ids");
        }
        TabletsView.Builder view = TabletsView.newBuilder();
        for (long id : new TreeSet<>(ids)) {
            Tablet tablet = state.ring.get(id);
            if (tablet == null) {
                return status(QueryResult.Status.UNKNOWN_TABLET, "tablet " + Long.toUnsignedString(id));
            }
            view.addTablets(tablet.toMeta());
        }
        return ok().setTablets(view).build();
    }

    private static QueryResult tabletForKey(TabletState state, Query query) {
        var key = query.getTabletForKey().getKey();
        if (key.size() > Limits.KEY_BYTES_MAX) {
            return status(
                    QueryResult.Status.INVALID,
                    "key has " + key.size() + " bytes; the most is " + Limits.KEY_BYTES_MAX);
        }
        Tablet tablet = state.ring.owner(TabletStateMachine.ringPosition(key));
        return ok().setTablets(TabletsView.newBuilder().addTablets(tablet.toMeta()))
                .build();
    }

    private static QueryResult ring(TabletState state) {
        TabletsView.Builder view = TabletsView.newBuilder();
        state.ring.inRingOrder().forEach(tablet -> view.addTablets(tablet.toMeta()));
        return ok().setRing(view).build();
    }

    private static QueryResult array(TabletState state) {
        ArrayView.Builder view = ArrayView.newBuilder()
                .setDataShards(state.array.dataShards())
                .setParityShards(state.array.parityShards())
                .setStripeCount(state.stripes.stripeCount())
                .addAllSlots(state.array.slots())
                .setDeathRecordVersion(state.array.deathRecordVersion())
                .setFreeStripeCount(state.stripes.freeCount())
                .addAllPendingTrimStripes(state.stripes.pendingTrim());
        state.stripes
                .reservations()
                .forEach((node, stripes) -> view.addReservations(
                        Reservation.newBuilder().setCacheNodeId(node).addAllStripes(stripes)));
        state.stripes
                .trimClaims()
                .forEach((node, stripes) -> view.addTrimClaims(
                        Reservation.newBuilder().setCacheNodeId(node).addAllStripes(stripes)));
        view.addAllDeathSuspicions(state.deathSuspicions.toProto());
        return ok().setArray(view).build();
    }

    private static QueryResult dataKeys(TabletState state) {
        DataKeysView.Builder view = DataKeysView.newBuilder().setCurrentEpoch(state.keys.currentEpoch());
        state.keys
                .byEpoch()
                .forEach((epoch, key) ->
                        view.addKeys(DataKey.newBuilder().setEpoch(epoch).setKey(key)));
        return ok().setDataKeys(view).build();
    }

    private static QueryResult authorizedWriters(TabletState state) {
        var writerSet = state.cacheNodes.writerSet().toByteString();
        return ok().setAuthorizedWriters(SignedWriterSet.newBuilder()
                        .setWriterSet(writerSet)
                        .setSignature(state.authority.sign(writerSet))
                        .setAuthorityPublicKeySpki(state.authority.publicKeySpki()))
                .build();
    }

    private static QueryResult cluster(TabletState state) {
        ClusterView.Builder view = ClusterView.newBuilder()
                .setWriterSetVersion(state.cacheNodes.writerSetVersion())
                .setPolicy(state.policy.toProto())
                .setPolicyVersion(state.policy.version())
                .setTabletCount(state.ring.size())
                .setNextTabletId(state.nextTabletId)
                .setClockTicks(state.cacheNodes.clockTicks());
        state.cacheNodes
                .byId()
                .forEach((id, node) -> view.addCacheNodes(CacheNode.newBuilder()
                        .setNodeId(id)
                        .setMeasurementHex(node.measurementHex())
                        .setHeartbeats(node.heartbeats())));
        return ok().setCluster(view).build();
    }

    private static QueryResult.Builder ok() {
        return QueryResult.newBuilder().setStatus(QueryResult.Status.OK);
    }

    static QueryResult status(QueryResult.Status status, String detail) {
        return QueryResult.newBuilder().setStatus(status).setDetail(detail).build();
    }
}
