package dev.ratchet.tablet;

import static dev.ratchet.tablet.Fixtures.blob;
import static dev.ratchet.tablet.Fixtures.nodeId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.ClaimTrim;
import dev.ratchet.tablet.proto.CommitTablets;
import dev.ratchet.tablet.proto.CommitTabletsResult;
import dev.ratchet.tablet.proto.ConfirmTrimmed;
import dev.ratchet.tablet.proto.MergeTablets;
import dev.ratchet.tablet.proto.MergeTabletsResult;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.QueryResult;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.RingQuery;
import dev.ratchet.tablet.proto.SplitTablet;
import dev.ratchet.tablet.proto.SplitTabletResult;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletCommit;
import dev.ratchet.tablet.proto.TabletForKey;
import dev.ratchet.tablet.proto.TabletMeta;
import dev.ratchet.tablet.proto.TabletsById;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Compare-and-commit, split, merge and the tablet queries, driven through {@code apply}. */
class TabletCommandsTest {
    private static final String CACHE_A = nodeId("cache-a");
    private static final String CACHE_B = nodeId("cache-b");

    private final Fixtures fixtures = new Fixtures();
    private final TabletStateMachine machine = fixtures.bootstrapped(4, 1000);

    @Test
    void bootstrap_splitsRingEvenly() {
        List<TabletMeta> ring = ring();
        assertEquals(4, ring.size());
        assertEquals(0L, ring.get(0).getRangeFirst());
        assertEquals(0x4000_0000_0000_0000L, ring.get(1).getRangeFirst());
        assertEquals(0x3FFF_FFFF_FFFF_FFFFL, ring.get(0).getRangeLast());
        assertEquals(-1L, ring.get(3).getRangeLast());
        for (TabletMeta tablet : ring) {
            assertEquals(0, tablet.getVersion());
            assertEquals(0, tablet.getBlob().getStripesCount());
        }
    }

    @Test
    void commit_movesEveryTabletForwardAndRetiresOldStripes() {
        List<Long> first = fixtures.reserve(machine, CACHE_A, 4);
        Result result =
                commit(CACHE_A, tabletCommit(1, 0, first.subList(0, 2)), tabletCommit(2, 0, first.subList(2, 4)));
        assertEquals(CommitTabletsResult.Status.OK, result.getCommitTablets().getStatus());
        assertEquals(1, tablet(1).getVersion());
        assertEquals(first.subList(0, 2), tablet(1).getBlob().getStripesList());

        List<Long> second = fixtures.reserve(machine, CACHE_A, 1);
        assertEquals(
                CommitTabletsResult.Status.OK,
                commit(CACHE_A, tabletCommit(1, 1, second)).getCommitTablets().getStatus());
        assertEquals(2, tablet(1).getVersion());
        assertEquals(first.subList(0, 2), array().getPendingTrimStripesList());
        assertTrue(array().getReservationsList().isEmpty());
        machine.checkInvariants();
    }

    @Test
    void commit_staleVersion_changesNothing() {
        List<Long> stripes = fixtures.reserve(machine, CACHE_A, 2);
        byte[] before = machine.snapshot();
        Result result =
                commit(CACHE_A, tabletCommit(1, 0, stripes.subList(0, 1)), tabletCommit(2, 7, stripes.subList(1, 2)));
        CommitTabletsResult commit = result.getCommitTablets();
        assertEquals(CommitTabletsResult.Status.VERSION_CONFLICT, commit.getStatus());
        assertEquals(
                List.of(0L, 0L),
                List.of(commit.getTablets(0).getVersion(), commit.getTablets(1).getVersion()));
        assertEquals(0, tablet(1).getVersion());
        assertStateUnchangedExceptWindow(before);
    }

    @Test
    void commit_invalidInputs_getTypedStatuses() {
        List<Long> stripes = fixtures.reserve(machine, CACHE_A, 2);
        assertEquals(CommitTabletsResult.Status.UNKNOWN_TABLET, commitStatus(CACHE_A, tabletCommit(99, 0, stripes)));
        assertEquals(CommitTabletsResult.Status.UNKNOWN_CACHE_NODE, commitStatus(CACHE_B, tabletCommit(1, 0, stripes)));
        assertEquals(CommitTabletsResult.Status.INVALID, commitStatus("NOT-HEX", tabletCommit(1, 0, stripes)));
        assertEquals(CommitTabletsResult.Status.INVALID, commitStatus(CACHE_A));
        assertEquals(
                CommitTabletsResult.Status.INVALID,
                commitStatus(
                        CACHE_A, tabletCommit(1, 0, stripes.subList(0, 1)), tabletCommit(1, 0, stripes.subList(1, 2))));
        assertEquals(
                CommitTabletsResult.Status.INVALID,
                commitStatus(
                        CACHE_A, tabletCommit(1, 0, stripes.subList(0, 1)), tabletCommit(2, 0, stripes.subList(0, 1))));
        assertEquals(
                CommitTabletsResult.Status.UNKNOWN_KEY_EPOCH,
                commitStatus(
                        CACHE_A,
                        TabletCommit.newBuilder()
                                .setTabletId(1)
                                .setBlob(blob(stripes, 9))
                                .build()));
        assertEquals(
                CommitTabletsResult.Status.STRIPE_NOT_RESERVED,
                commitStatus(CACHE_A, tabletCommit(1, 0, List.of(500L))));
        TabletBlob shortMac = blob(stripes, 1).toBuilder()
                .setMac(ByteString.copyFrom(new byte[5]))
                .build();
        assertEquals(
                CommitTabletsResult.Status.INVALID,
                commitStatus(
                        CACHE_A,
                        TabletCommit.newBuilder()
                                .setTabletId(1)
                                .setBlob(shortMac)
                                .build()));
        TabletBlob full = blob(stripes, 1);
        TabletBlob missingDigest = full.toBuilder()
                .clearShardDigests()
                .addAllShardDigests(full.getShardDigestsList().subList(1, full.getShardDigestsCount()))
                .build();
        assertEquals(
                CommitTabletsResult.Status.INVALID,
                commitStatus(
                        CACHE_A,
                        TabletCommit.newBuilder()
                                .setTabletId(1)
                                .setBlob(missingDigest)
                                .build()));
        TabletBlob tooLong =
                blob(stripes, 1).toBuilder().setLengthBytes(1L << 40).build();
        assertEquals(
                CommitTabletsResult.Status.INVALID,
                commitStatus(
                        CACHE_A,
                        TabletCommit.newBuilder()
                                .setTabletId(1)
                                .setBlob(tooLong)
                                .build()));
        machine.checkInvariants();
    }

    @Test
    void commit_oversizedBatch_isRefused() {
        List<TabletCommit> commits = new ArrayList<>();
        for (int i = 0; i <= Limits.TABLETS_PER_COMMIT_MAX; i++) {
            commits.add(TabletCommit.newBuilder()
                    .setTabletId(i + 1)
                    .setBlob(Tablet.EMPTY_BLOB)
                    .build());
        }
        assertEquals(
                CommitTabletsResult.Status.BATCH_TOO_LARGE,
                commitStatus(CACHE_A, commits.toArray(TabletCommit[]::new)));
    }

    @Test
    void commit_stripesReservedByAnotherNode_areRefused() {
        fixtures.register(machine, CACHE_B);
        List<Long> stripesOfB = fixtures.reserve(machine, CACHE_B, 1);
        assertEquals(
                CommitTabletsResult.Status.STRIPE_NOT_RESERVED, commitStatus(CACHE_A, tabletCommit(1, 0, stripesOfB)));
    }

    @Test
    void commit_toEmptyBlob_retiresStripes() {
        List<Long> stripes = fixtures.reserve(machine, CACHE_A, 1);
        commit(CACHE_A, tabletCommit(1, 0, stripes));
        Result result = commit(
                CACHE_A,
                TabletCommit.newBuilder()
                        .setTabletId(1)
                        .setExpectedVersion(1)
                        .setBlob(Tablet.EMPTY_BLOB)
                        .build());
        assertEquals(CommitTabletsResult.Status.OK, result.getCommitTablets().getStatus());
        assertEquals(stripes, array().getPendingTrimStripesList());
        machine.checkInvariants();
    }

    @Test
    void deltaCommit_appendsToTheBaseAndFreesNothing_thenAWholeTabletFreesBaseAndDeltas() {
        List<Long> stripes = fixtures.reserve(machine, CACHE_A, 5);
        commit(CACHE_A, tabletCommit(1, 0, stripes.subList(0, 2)));
        assertEquals(CommitTabletsResult.Status.OK, commitStatus(CACHE_A, deltaCommit(1, 1, stripes.subList(2, 3))));
        assertEquals(CommitTabletsResult.Status.OK, commitStatus(CACHE_A, deltaCommit(1, 2, stripes.subList(3, 4))));
        TabletMeta withDeltas = tablet(1);
        assertEquals(3, withDeltas.getVersion());
        assertEquals(stripes.subList(0, 2), withDeltas.getBlob().getStripesList(), "the base stays");
        assertEquals(
                List.of(stripes.subList(2, 3), stripes.subList(3, 4)),
                withDeltas.getDeltasList().stream()
                        .map(TabletBlob::getStripesList)
                        .toList());
        assertTrue(array().getPendingTrimStripesList().isEmpty(), "a delta frees nothing");
        machine.checkInvariants();
        TabletStateMachine restored = TabletStateMachine.restore(machine.snapshot());
        restored.checkInvariants();
        assertArrayEquals(machine.snapshot(), restored.snapshot(), "deltas survive a snapshot");

        assertEquals(CommitTabletsResult.Status.OK, commitStatus(CACHE_A, tabletCommit(1, 3, stripes.subList(4, 5))));
        TabletMeta rewritten = tablet(1);
        assertEquals(4, rewritten.getVersion());
        assertEquals(0, rewritten.getDeltasCount());
        assertEquals(
                stripes.subList(0, 4),
                array().getPendingTrimStripesList().stream().sorted().toList());
        machine.checkInvariants();
    }

    @Test
    void deltaCommit_limitsAndShape_areRefusedWithTypedStatuses() {
        List<Long> stripes = fixtures.reserve(machine, CACHE_A, Limits.DELTAS_PER_TABLET_MAX + 2);
        commit(CACHE_A, tabletCommit(1, 0, stripes.subList(0, 1)));
        for (int i = 1; i <= Limits.DELTAS_PER_TABLET_MAX; i++) {
            assertEquals(
                    CommitTabletsResult.Status.OK, commitStatus(CACHE_A, deltaCommit(1, i, stripes.subList(i, i + 1))));
        }
        byte[] before = machine.snapshot();
        long version = Limits.DELTAS_PER_TABLET_MAX + 1;
        List<Long> last = stripes.subList(stripes.size() - 1, stripes.size());
        assertEquals(CommitTabletsResult.Status.TOO_MANY_DELTAS, commitStatus(CACHE_A, deltaCommit(1, version, last)));
        assertEquals(
                CommitTabletsResult.Status.INVALID,
                commitStatus(
                        CACHE_A,
                        TabletCommit.newBuilder()
                                .setTabletId(1)
                                .setExpectedVersion(version)
                                .setBlob(Tablet.EMPTY_BLOB)
                                .setDelta(true)
                                .build()));
        assertStateUnchangedExceptWindow(before);
        assertEquals(CommitTabletsResult.Status.OK, commitStatus(CACHE_A, tabletCommit(1, version, last)));
        machine.checkInvariants();
    }

    @Test
    void split_ofATabletWithDeltas_freesItsBaseAndEveryDelta() {
        List<Long> stripes = fixtures.reserve(machine, CACHE_A, 4);
        commit(CACHE_A, tabletCommit(1, 0, stripes.subList(0, 1)));
        commit(CACHE_A, deltaCommit(1, 1, stripes.subList(1, 2)));
        SplitTabletResult result =
                splitInHalf(1, 2, stripes.subList(2, 3), stripes.subList(3, 4)).getSplitTablet();
        assertEquals(SplitTabletResult.Status.OK, result.getStatus());
        assertEquals(0, tablet(1).getDeltasCount());
        assertEquals(
                stripes.subList(0, 2),
                array().getPendingTrimStripesList().stream().sorted().toList());
        machine.checkInvariants();
    }

    @Test
    void split_dividesRangeAndEveryKeyMapsToOneTablet() {
        List<Long> stripes = fixtures.reserve(machine, CACHE_A, 2);
        TabletMeta before = tablet(1);
        long middle = middle(before);
        Result result = splitInHalf(1, 0, stripes.subList(0, 1), stripes.subList(1, 2));
        SplitTabletResult split = result.getSplitTablet();
        assertEquals(SplitTabletResult.Status.OK, split.getStatus(), result.toString());
        assertEquals(5, split.getRight().getTabletId());
        assertEquals(1, split.getLeft().getVersion());
        assertEquals(middle - 1, split.getLeft().getRangeLast());
        assertEquals(middle, split.getRight().getRangeFirst());
        assertEquals(before.getRangeLast(), split.getRight().getRangeLast());
        assertEquals(5, ring().size());
        machine.checkInvariants();
        assertEveryKeyHasOneOwner();
    }

    @Test
    void split_badPositionAndStaleVersion_areRefused() {
        TabletMeta tablet = tablet(2);
        assertEquals(SplitTabletResult.Status.BAD_SPLIT_POSITION, splitStatus(2, 0, tablet.getRangeFirst()));
        assertEquals(SplitTabletResult.Status.BAD_SPLIT_POSITION, splitStatus(2, 0, tablet.getRangeLast() + 1));
        assertEquals(SplitTabletResult.Status.VERSION_CONFLICT, splitStatus(2, 3, tablet.getRangeFirst() + 5));
        assertEquals(SplitTabletResult.Status.UNKNOWN_TABLET, splitStatus(42, 0, 5));
        assertEquals(SplitTabletResult.Status.OK, splitStatus(2, 0, tablet.getRangeLast()));
        machine.checkInvariants();
    }

    @Test
    void split_expectedNewTabletId_isRequiredAndMustBeNext() {
        TabletMeta tablet = tablet(2);
        long middle = tablet.getRangeFirst() + 5;
        assertEquals(SplitTabletResult.Status.INVALID, splitStatus(2, 0, middle, 0));
        assertEquals(SplitTabletResult.Status.VERSION_CONFLICT, splitStatus(2, 0, middle, 6));
        assertEquals(SplitTabletResult.Status.OK, splitStatus(2, 0, middle, 5));
        // The id 5 is taken now: a split that expected it conflicts instead of using id 6.
        assertEquals(
                SplitTabletResult.Status.VERSION_CONFLICT,
                splitStatus(3, 0, tablet(3).getRangeFirst() + 5, 5));
        machine.checkInvariants();
    }

    @Test
    void merge_joinsAdjacentTabletsAndRetiresTheRightId() {
        List<Long> stripes = fixtures.reserve(machine, CACHE_A, 3);
        commit(CACHE_A, tabletCommit(2, 0, stripes.subList(0, 1)), tabletCommit(3, 0, stripes.subList(1, 2)));
        Result result = merge(2, 1, 3, 1, blob(stripes.subList(2, 3), 1));
        MergeTabletsResult merged = result.getMergeTablets();
        assertEquals(MergeTabletsResult.Status.OK, merged.getStatus(), result.toString());
        assertEquals(2, merged.getMerged().getTabletId());
        assertEquals(2, merged.getMerged().getVersion());
        assertEquals(3, ring().size());
        assertEquals(stripes.subList(0, 2), array().getPendingTrimStripesList());
        QueryResult gone = machine.query(Query.newBuilder()
                .setTabletsById(TabletsById.newBuilder().addTabletIds(3))
                .build());
        assertEquals(QueryResult.Status.UNKNOWN_TABLET, gone.getStatus());
        machine.checkInvariants();
        assertEveryKeyHasOneOwner();
    }

    @Test
    void merge_invalidInputs_areRefused() {
        assertEquals(
                MergeTabletsResult.Status.NOT_ADJACENT,
                merge(1, 0, 3, 0, Tablet.EMPTY_BLOB).getMergeTablets().getStatus());
        assertEquals(
                MergeTabletsResult.Status.NOT_ADJACENT,
                merge(2, 0, 1, 0, Tablet.EMPTY_BLOB).getMergeTablets().getStatus());
        assertEquals(
                MergeTabletsResult.Status.NOT_ADJACENT,
                merge(4, 0, 1, 0, Tablet.EMPTY_BLOB).getMergeTablets().getStatus());
        assertEquals(
                MergeTabletsResult.Status.VERSION_CONFLICT,
                merge(1, 0, 2, 1, Tablet.EMPTY_BLOB).getMergeTablets().getStatus());
        assertEquals(
                MergeTabletsResult.Status.UNKNOWN_TABLET,
                merge(1, 0, 9, 0, Tablet.EMPTY_BLOB).getMergeTablets().getStatus());
        assertEquals(
                MergeTabletsResult.Status.INVALID,
                merge(1, 0, 1, 0, Tablet.EMPTY_BLOB).getMergeTablets().getStatus());
        assertEquals(
                MergeTabletsResult.Status.STRIPE_NOT_RESERVED,
                merge(1, 0, 2, 0, blob(List.of(3L), 1)).getMergeTablets().getStatus());
        assertEquals(4, ring().size());
    }

    @Test
    void tabletForKey_findsTheOwnerByHash() {
        ByteString key = ByteString.copyFromUtf8("user:42");
        long position = TabletStateMachine.ringPosition(key);
        QueryResult result = machine.query(Query.newBuilder()
                .setTabletForKey(TabletForKey.newBuilder().setKey(key))
                .build());
        TabletMeta owner = result.getTablets().getTablets(0);
        assertTrue(Long.compareUnsigned(owner.getRangeFirst(), position) <= 0
                && Long.compareUnsigned(position, owner.getRangeLast()) <= 0);
        QueryResult tooBig = machine.query(Query.newBuilder()
                .setTabletForKey(
                        TabletForKey.newBuilder().setKey(ByteString.copyFrom(new byte[Limits.KEY_BYTES_MAX + 1])))
                .build());
        assertEquals(QueryResult.Status.INVALID, tooBig.getStatus());
    }

    @Test
    void retiredStripes_becomeFreeOnlyAfterTheirClaimantConfirmsTheTrim() {
        List<Long> stripes = fixtures.reserve(machine, CACHE_A, 2);
        commit(CACHE_A, tabletCommit(1, 0, stripes.subList(0, 1)));
        commit(CACHE_A, tabletCommit(1, 1, stripes.subList(1, 2)));
        long retired = stripes.get(0);
        // The lowest free stripe is above the retired one until the trim is confirmed.
        List<Long> next = fixtures.reserve(machine, CACHE_A, 1);
        assertFalse(next.contains(retired));
        assertEquals(
                "NOT_CLAIMED",
                confirm(CACHE_A, retired).getConfirmTrimmed().getStatus().name());
        Result claim = machine.apply(fixtures.command()
                .setClaimTrim(ClaimTrim.newBuilder().setCacheNodeId(CACHE_A).setStripeCount(8))
                .build());
        assertEquals(List.of(retired), claim.getClaimTrim().getStripesList());
        assertEquals(
                "OK", confirm(CACHE_A, retired).getConfirmTrimmed().getStatus().name());
        assertEquals(List.of(retired), fixtures.reserve(machine, CACHE_A, 1));
        assertEquals(
                "NOT_PENDING_TRIM",
                confirm(CACHE_A, retired).getConfirmTrimmed().getStatus().name());
        machine.checkInvariants();
    }

    private Result confirm(String node, long stripe) {
        return machine.apply(fixtures.command()
                .setConfirmTrimmed(
                        ConfirmTrimmed.newBuilder().setCacheNodeId(node).addStripes(stripe))
                .build());
    }

    private void assertEveryKeyHasOneOwner() {
        List<TabletMeta> ring = ring();
        Random random = new Random(7);
        for (int i = 0; i < 2000; i++) {
            long position = TabletStateMachine.ringPosition(ByteString.copyFromUtf8("key-" + random.nextInt()));
            int owners = 0;
            for (TabletMeta tablet : ring) {
                if (Long.compareUnsigned(tablet.getRangeFirst(), position) <= 0
                        && Long.compareUnsigned(position, tablet.getRangeLast()) <= 0) {
                    owners++;
                }
            }
            assertEquals(1, owners, "position " + Long.toUnsignedString(position));
        }
    }

    private void assertStateUnchangedExceptWindow(byte[] before) {
        var a = parse(before).toBuilder().clearIdempotencyWindow().build();
        var b = parse(machine.snapshot()).toBuilder().clearIdempotencyWindow().build();
        assertArrayEquals(a.toByteArray(), b.toByteArray());
    }

    private static dev.ratchet.tablet.proto.Snapshot parse(byte[] bytes) {
        try {
            return dev.ratchet.tablet.proto.Snapshot.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static TabletCommit tabletCommit(long id, long expectedVersion, List<Long> stripes) {
        return TabletCommit.newBuilder()
                .setTabletId(id)
                .setExpectedVersion(expectedVersion)
                .setBlob(blob(stripes, 1))
                .build();
    }

    private static TabletCommit deltaCommit(long id, long expectedVersion, List<Long> stripes) {
        return tabletCommit(id, expectedVersion, stripes).toBuilder()
                .setDelta(true)
                .build();
    }

    private static long middle(TabletMeta tablet) {
        return tablet.getRangeFirst() + (tablet.getRangeLast() - tablet.getRangeFirst()) / 2 + 1;
    }

    /** Splits tablet {@code id} at the middle of its range into blobs on the given stripes; new id 5. */
    private Result splitInHalf(long id, long expectedVersion, List<Long> leftStripes, List<Long> rightStripes) {
        return machine.apply(fixtures.command()
                .setSplitTablet(SplitTablet.newBuilder()
                        .setCacheNodeId(CACHE_A)
                        .setTabletId(id)
                        .setExpectedVersion(expectedVersion)
                        .setSplitPosition(middle(tablet(id)))
                        .setExpectedNewTabletId(5)
                        .setLeftBlob(blob(leftStripes, 1))
                        .setRightBlob(blob(rightStripes, 1)))
                .build());
    }

    private Result commit(String node, TabletCommit... commits) {
        return machine.apply(fixtures.command()
                .setCommitTablets(
                        CommitTablets.newBuilder().setCacheNodeId(node).addAllCommits(List.of(commits)))
                .build());
    }

    private CommitTabletsResult.Status commitStatus(String node, TabletCommit... commits) {
        return commit(node, commits).getCommitTablets().getStatus();
    }

    private SplitTabletResult.Status splitStatus(long id, long version, long position) {
        return splitStatus(id, version, position, 5);
    }

    private SplitTabletResult.Status splitStatus(long id, long version, long position, long expectedNewId) {
        return machine.apply(fixtures.command()
                        .setSplitTablet(SplitTablet.newBuilder()
                                .setCacheNodeId(CACHE_A)
                                .setTabletId(id)
                                .setExpectedVersion(version)
                                .setSplitPosition(position)
                                .setExpectedNewTabletId(expectedNewId))
                        .build())
                .getSplitTablet()
                .getStatus();
    }

    private Result merge(long left, long leftVersion, long right, long rightVersion, TabletBlob blob) {
        return machine.apply(fixtures.command()
                .setMergeTablets(MergeTablets.newBuilder()
                        .setCacheNodeId(CACHE_A)
                        .setLeftTabletId(left)
                        .setLeftExpectedVersion(leftVersion)
                        .setRightTabletId(right)
                        .setRightExpectedVersion(rightVersion)
                        .setMergedBlob(blob))
                .build());
    }

    private List<TabletMeta> ring() {
        return machine.query(Query.newBuilder()
                        .setRing(RingQuery.getDefaultInstance())
                        .build())
                .getRing()
                .getTabletsList();
    }

    private TabletMeta tablet(long id) {
        return machine.query(Query.newBuilder()
                        .setTabletsById(TabletsById.newBuilder().addTabletIds(id))
                        .build())
                .getTablets()
                .getTablets(0);
    }

    private ArrayView array() {
        return machine.query(Query.newBuilder()
                        .setArray(dev.ratchet.tablet.proto.ArrayQuery.getDefaultInstance())
                        .build())
                .getArray();
    }
}
