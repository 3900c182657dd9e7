package dev.ratchet.tablet;

import static dev.ratchet.tablet.Fixtures.blob;
import static dev.ratchet.tablet.Fixtures.nodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ratchet.tablet.proto.ArrayQuery;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.ClaimTrim;
import dev.ratchet.tablet.proto.ClaimTrimResult;
import dev.ratchet.tablet.proto.CommitTablets;
import dev.ratchet.tablet.proto.ConfirmTrimmed;
import dev.ratchet.tablet.proto.ConfirmTrimmedResult;
import dev.ratchet.tablet.proto.DeregisterCacheNode;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.Reservation;
import dev.ratchet.tablet.proto.Snapshot;
import dev.ratchet.tablet.proto.TabletCommit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Trim claims (issue 13, item 1): a pending-trim stripe becomes free only by its claimant's
 * confirmation, and a claim ends only by that confirmation or the claimant's removal.
 */
class TrimClaimsTest {
    private static final String CACHE_A = nodeId("cache-a");
    private static final String CACHE_B = nodeId("cache-b");

    private final Fixtures fixtures = new Fixtures();
    private final TabletStateMachine machine = fixtures.bootstrapped(4, 1000);

    /** Commits tablet 1 {@code versions} times, one fresh stripe each; returns the retired stripes. */
    private List<Long> retire(int versions) {
        List<Long> stripes = fixtures.reserve(machine, CACHE_A, versions + 1);
        for (int v = 0; v <= versions; v++) {
            var result = machine.apply(fixtures.command()
                    .setCommitTablets(CommitTablets.newBuilder()
                            .setCacheNodeId(CACHE_A)
                            .addCommits(TabletCommit.newBuilder()
                                    .setTabletId(1)
                                    .setExpectedVersion(v)
                                    .setBlob(blob(stripes.subList(v, v + 1), 1))))
                    .build());
            assertEquals("OK", result.getCommitTablets().getStatus().name(), result.toString());
        }
        return stripes.subList(0, versions);
    }

    private ClaimTrimResult claim(String node, int count) {
        return machine.apply(fixtures.command()
                        .setClaimTrim(
                                ClaimTrim.newBuilder().setCacheNodeId(node).setStripeCount(count))
                        .build())
                .getClaimTrim();
    }

    private ConfirmTrimmedResult.Status confirm(String node, List<Long> stripes) {
        return machine.apply(fixtures.command()
                        .setConfirmTrimmed(
                                ConfirmTrimmed.newBuilder().setCacheNodeId(node).addAllStripes(stripes))
                        .build())
                .getConfirmTrimmed()
                .getStatus();
    }

    /** The state but for the idempotency window, which records refused commands too. */
    private Snapshot stateOutsideTheWindow() {
        try {
            return Snapshot.parseFrom(machine.snapshot()).toBuilder()
                    .clearIdempotencyWindow()
                    .build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private ArrayView view() {
        return machine.query(Query.newBuilder()
                        .setArray(ArrayQuery.getDefaultInstance())
                        .build())
                .getArray();
    }

    @Test
    void twoClaimants_getDisjointStripes_lowestFirst_andNeitherMayConfirmTheOthers() {
        fixtures.register(machine, CACHE_B);
        List<Long> retired = retire(6);

        ClaimTrimResult a = claim(CACHE_A, 4);
        ClaimTrimResult b = claim(CACHE_B, 4);

        assertEquals(retired.subList(0, 4), a.getStripesList());
        assertEquals(retired.subList(4, 6), b.getStripesList());
        Snapshot before = stateOutsideTheWindow();
        assertEquals(ConfirmTrimmedResult.Status.NOT_CLAIMED, confirm(CACHE_B, a.getStripesList()));
        assertEquals(
                ConfirmTrimmedResult.Status.NOT_CLAIMED,
                confirm(CACHE_A, List.of(a.getStripes(0), b.getStripes(0))),
                "one foreign stripe refuses the whole confirmation");
        assertEquals(before, stateOutsideTheWindow(), "a refused confirmation changes nothing");
        // While claimed, the stripes are not free: a reservation never gets them.
        List<Long> reserved = fixtures.reserve(machine, CACHE_B, 50);
        assertTrue(reserved.stream().noneMatch(retired::contains), reserved.toString());
        machine.checkInvariants();
    }

    @Test
    void aRepeatedClaim_answersTheSameStripes_soALostAnswerLosesNothing() {
        List<Long> retired = retire(3);
        ClaimTrimResult first = claim(CACHE_A, 2);
        ClaimTrimResult again = claim(CACHE_A, 2);
        assertEquals(retired.subList(0, 2), first.getStripesList());
        assertEquals(first.getStripesList(), again.getStripesList());
        assertEquals(retired, claim(CACHE_A, 3).getStripesList(), "a larger claim adds the next one");
        assertEquals(ConfirmTrimmedResult.Status.OK, confirm(CACHE_A, retired.subList(0, 1)));
        assertEquals(retired.subList(1, 3), claim(CACHE_A, 1).getStripesList(), "confirmed stripes leave the claim");
        machine.checkInvariants();
    }

    @Test
    void aRemovedClaimant_losesItsClaims_whichAnotherNodeMayThenClaim() {
        fixtures.register(machine, CACHE_B);
        List<Long> retired = retire(2);
        assertEquals(retired, claim(CACHE_A, 8).getStripesList());
        assertEquals(List.of(), claim(CACHE_B, 8).getStripesList(), "nothing unclaimed is left");

        long writerSetBefore = machine.query(Query.newBuilder()
                        .setCluster(dev.ratchet.tablet.proto.ClusterQuery.getDefaultInstance())
                        .build())
                .getCluster()
                .getWriterSetVersion();
        machine.apply(fixtures.command()
                .setDeregisterCacheNode(DeregisterCacheNode.newBuilder().setNodeId(CACHE_A))
                .build());

        assertEquals(List.of(), view().getTrimClaimsList());
        assertTrue(view().getPendingTrimStripesList().containsAll(retired), "the stripes stay pending");
        assertTrue(
                machine.query(Query.newBuilder()
                                        .setCluster(dev.ratchet.tablet.proto.ClusterQuery.getDefaultInstance())
                                        .build())
                                .getCluster()
                                .getWriterSetVersion()
                        > writerSetBefore,
                "the removal moves the writer set on, which is the fence against the old claimant");
        List<Long> taken = claim(CACHE_B, 8).getStripesList();
        assertTrue(taken.containsAll(retired), taken.toString());
        assertEquals(ConfirmTrimmedResult.Status.UNKNOWN_CACHE_NODE, confirm(CACHE_A, retired));
        assertEquals(ConfirmTrimmedResult.Status.OK, confirm(CACHE_B, taken));
        machine.checkInvariants();
    }

    @Test
    void badClaims_getSpecificStatuses_andChangeNothing() {
        retire(1);
        Snapshot before = stateOutsideTheWindow();
        assertEquals(ClaimTrimResult.Status.INVALID, claim(CACHE_A, 0).getStatus());
        assertEquals(
                ClaimTrimResult.Status.INVALID,
                claim(CACHE_A, Limits.STRIPES_PER_COMMAND_MAX + 1).getStatus());
        assertEquals(ClaimTrimResult.Status.INVALID, claim("not-a-node-id", 1).getStatus());
        assertEquals(
                ClaimTrimResult.Status.UNKNOWN_CACHE_NODE, claim(CACHE_B, 1).getStatus());
        assertEquals(before, stateOutsideTheWindow());
    }

    @Test
    void claims_surviveASnapshotRoundTrip_andAnInconsistentOneIsRefused() throws InvalidProtocolBufferException {
        fixtures.register(machine, CACHE_B);
        List<Long> retired = retire(4);
        claim(CACHE_A, 2);
        claim(CACHE_B, 1);
        byte[] bytes = machine.snapshot();
        TabletStateMachine restored = TabletStateMachine.restore(bytes);
        assertTrue(java.util.Arrays.equals(bytes, restored.snapshot()));
        ArrayView view = restored.query(Query.newBuilder()
                        .setArray(ArrayQuery.getDefaultInstance())
                        .build())
                .getArray();
        Set<Long> claimed = new HashSet<>();
        for (Reservation claim : view.getTrimClaimsList()) {
            claimed.addAll(claim.getStripesList());
        }
        assertEquals(new HashSet<>(retired.subList(0, 3)), claimed);

        Snapshot good = Snapshot.parseFrom(bytes);
        List<Snapshot> bad = new ArrayList<>();
        // A claim of a stripe that is not pending trim (a free one).
        bad.add(good.toBuilder()
                .addTrimClaims(Reservation.newBuilder()
                        .setCacheNodeId(CACHE_B)
                        .addStripes(good.getFreeStripesCount() > 0 ? good.getFreeStripes(0) : 999))
                .build());
        // One stripe claimed by two nodes.
        bad.add(good.toBuilder()
                .setTrimClaims(
                        1, Reservation.newBuilder().setCacheNodeId(CACHE_B).addStripes(retired.get(0)))
                .build());
        // A claim held by a node that is not registered.
        bad.add(good.toBuilder()
                .addTrimClaims(Reservation.newBuilder()
                        .setCacheNodeId(nodeId("stranger"))
                        .addStripes(retired.get(3)))
                .build());
        // The previous format, which had no claims.
        bad.add(good.toBuilder().setFormatVersion(1).build());
        for (Snapshot snapshot : bad) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> TabletStateMachine.restore(snapshot.toByteArray()),
                    snapshot.getTrimClaimsList().toString());
        }
    }
}
