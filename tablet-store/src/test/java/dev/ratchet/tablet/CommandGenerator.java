package dev.ratchet.tablet;

import static dev.ratchet.tablet.Fixtures.nodeId;

import com.google.protobuf.ByteString;
import dev.ratchet.tablet.proto.AbandonRebuild;
import dev.ratchet.tablet.proto.ArrayQuery;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.AssignReplacement;
import dev.ratchet.tablet.proto.CacheNodeHeartbeat;
import dev.ratchet.tablet.proto.ClaimTrim;
import dev.ratchet.tablet.proto.ClusterQuery;
import dev.ratchet.tablet.proto.ClusterView;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.CommitTablets;
import dev.ratchet.tablet.proto.ConfirmTrimmed;
import dev.ratchet.tablet.proto.DataKeysQuery;
import dev.ratchet.tablet.proto.DeregisterCacheNode;
import dev.ratchet.tablet.proto.MarkSlotDead;
import dev.ratchet.tablet.proto.MarkSlotRebuilt;
import dev.ratchet.tablet.proto.MergeTablets;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.RegisterCacheNode;
import dev.ratchet.tablet.proto.ReleaseStripes;
import dev.ratchet.tablet.proto.Reservation;
import dev.ratchet.tablet.proto.ReserveStripes;
import dev.ratchet.tablet.proto.RingQuery;
import dev.ratchet.tablet.proto.RotateDataKey;
import dev.ratchet.tablet.proto.Slot;
import dev.ratchet.tablet.proto.SlotAssignment;
import dev.ratchet.tablet.proto.SlotState;
import dev.ratchet.tablet.proto.SplitTablet;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletCommit;
import dev.ratchet.tablet.proto.TabletMeta;
import dev.ratchet.tablet.proto.UpdatePolicy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Generates mostly-valid, sometimes-invalid commands from a seeded {@link Random}, looking at the
 * machine's current state through queries. The same seed against the same machine state gives the
 * same commands.
 */
final class CommandGenerator {
    private static final String MEASUREMENT_B = "bb".repeat(48);
    private static final List<String> CACHE_POOL =
            List.of(nodeId("cache-a"), nodeId("cache-b"), nodeId("cache-c"), nodeId("cache-d"), nodeId("cache-e"));

    private final Random random;
    private final List<Command> sent = new ArrayList<>();
    private int nextRequest;
    private int nextSectorServer;

    CommandGenerator(long seed) {
        this.random = new Random(seed);
    }

    /** Returns the next command for {@code machine}; also remembers it for retries. */
    Command next(TabletStateMachine machine) {
        if (!sent.isEmpty() && random.nextInt(40) == 0) {
            return sent.get(sent.size() - 1 - random.nextInt(Math.min(sent.size(), 50)));
        }
        Command command = fresh(machine);
        sent.add(command);
        return command;
    }

    private Command fresh(TabletStateMachine machine) {
        Command.Builder command = Command.newBuilder().setRequestId(ByteString.copyFromUtf8("r" + nextRequest++));
        int roll = random.nextInt(100);
        if (roll < 14) {
            return command.setReserveStripes(reserve()).build();
        } else if (roll < 38) {
            return command.setCommitTablets(commit(machine)).build();
        } else if (roll < 46) {
            return command.setSplitTablet(split(machine)).build();
        } else if (roll < 54) {
            return command.setMergeTablets(merge(machine)).build();
        } else if (roll < 60) {
            return command.setReleaseStripes(release(machine)).build();
        } else if (roll < 64) {
            return command.setClaimTrim(claimTrim()).build();
        } else if (roll < 70) {
            return command.setConfirmTrimmed(confirm(machine)).build();
        } else if (roll < 74) {
            return command.setMarkSlotDead(markDead(machine)).build();
        } else if (roll < 77) {
            return command.setAssignReplacement(assign(machine)).build();
        } else if (roll < 80) {
            MarkSlotRebuilt rebuilt = rebuilt(machine);
            // Rarely: an abandoned rebuild leaves the slot DEAD, and dead slots cap further deaths.
            if (random.nextInt(8) == 0) {
                return command.setAbandonRebuild(AbandonRebuild.newBuilder()
                                .setSlotIndex(rebuilt.getSlotIndex())
                                .setExpectedNodeId(rebuilt.getExpectedNodeId())
                                .setRebuilderCacheNodeId(rebuilt.getRebuilderCacheNodeId()))
                        .build();
            }
            return command.setMarkSlotRebuilt(rebuilt).build();
        } else if (roll < 83) {
            return command.setRotateDataKey(rotate(machine)).build();
        } else if (roll < 91) {
            String measurement = random.nextInt(4) == 0 ? MEASUREMENT_B : Fixtures.CACHE_MEASUREMENT;
            return command.setRegisterCacheNode(RegisterCacheNode.newBuilder()
                            .setNodeId(pick(CACHE_POOL))
                            .setMeasurementHex(measurement))
                    .build();
        } else if (roll < 93) {
            return command.setDeregisterCacheNode(
                            DeregisterCacheNode.newBuilder().setNodeId(pick(CACHE_POOL)))
                    .build();
        } else if (roll < 94) {
            // An expiry with a count that may or may not still be current.
            return command.setDeregisterCacheNode(DeregisterCacheNode.newBuilder()
                            .setNodeId(pick(CACHE_POOL))
                            .setExpectedHeartbeats(random.nextInt(3)))
                    .build();
        } else if (roll < 95) {
            return command.setCacheNodeHeartbeat(CacheNodeHeartbeat.newBuilder().setNodeId(pick(CACHE_POOL)))
                    .build();
        } else if (roll < 98) {
            return command.setUpdatePolicy(policy(machine)).build();
        } else {
            // Malformed: no kind, or no request id.
            return random.nextBoolean()
                    ? command.build()
                    : command.clearRequestId()
                            .setRotateDataKey(RotateDataKey.getDefaultInstance())
                            .build();
        }
    }

    private ReserveStripes reserve() {
        int count = random.nextInt(20) == 0 ? random.nextInt(3000) : 1 + random.nextInt(6);
        return ReserveStripes.newBuilder()
                .setCacheNodeId(pick(CACHE_POOL))
                .setStripeCount(count)
                .build();
    }

    private CommitTablets commit(TabletStateMachine machine) {
        List<TabletMeta> ring = ring(machine);
        String node = writer(machine);
        List<Long> reserved = reservedBy(machine, node);
        int tablets = 1 + random.nextInt(Math.min(3, ring.size()));
        List<TabletMeta> chosen = new ArrayList<>(ring);
        Collections.shuffle(chosen, random);
        CommitTablets.Builder commit = CommitTablets.newBuilder().setCacheNodeId(node);
        for (TabletMeta tablet : chosen.subList(0, tablets)) {
            long version = random.nextInt(10) == 0 ? tablet.getVersion() + 1 : tablet.getVersion();
            commit.addCommits(TabletCommit.newBuilder()
                    .setTabletId(random.nextInt(30) == 0 ? 999 : tablet.getTabletId())
                    .setExpectedVersion(version)
                    .setBlob(blob(machine, reserved))
                    .setDelta(random.nextInt(3) == 0));
        }
        return commit.build();
    }

    private SplitTablet split(TabletStateMachine machine) {
        TabletMeta tablet = pick(ring(machine));
        String node = writer(machine);
        List<Long> reserved = reservedBy(machine, node);
        long width = tablet.getRangeLast() - tablet.getRangeFirst();
        long position = random.nextInt(10) == 0
                ? tablet.getRangeFirst()
                : tablet.getRangeFirst() + 1 + Long.remainderUnsigned(random.nextLong(), width == 0 ? 1 : width);
        return SplitTablet.newBuilder()
                .setCacheNodeId(node)
                .setTabletId(tablet.getTabletId())
                .setExpectedVersion(random.nextInt(10) == 0 ? tablet.getVersion() + 3 : tablet.getVersion())
                .setSplitPosition(position)
                .setExpectedNewTabletId(random.nextInt(10) == 0 ? nextTabletId(machine) + 1 : nextTabletId(machine))
                .setLeftBlob(blob(machine, reserved))
                .setRightBlob(blob(machine, reserved))
                .build();
    }

    private MergeTablets merge(TabletStateMachine machine) {
        List<TabletMeta> ring = ring(machine);
        String node = writer(machine);
        List<Long> reserved = reservedBy(machine, node);
        MergeTablets.Builder merge =
                MergeTablets.newBuilder().setCacheNodeId(node).setMergedBlob(blob(machine, reserved));
        if (ring.size() < 2 || random.nextInt(10) == 0) {
            TabletMeta any = pick(ring);
            return merge.setLeftTabletId(any.getTabletId())
                    .setRightTabletId(pick(ring).getTabletId())
                    .build();
        }
        int i = random.nextInt(ring.size() - 1);
        return merge.setLeftTabletId(ring.get(i).getTabletId())
                .setLeftExpectedVersion(ring.get(i).getVersion())
                .setRightTabletId(ring.get(i + 1).getTabletId())
                .setRightExpectedVersion(ring.get(i + 1).getVersion())
                .build();
    }

    private ReleaseStripes release(TabletStateMachine machine) {
        String node = writer(machine);
        List<Long> stripes = take(reservedBy(machine, node), 1 + random.nextInt(3));
        if (stripes.isEmpty() || random.nextInt(10) == 0) {
            stripes = List.of((long) random.nextInt(300));
        }
        return ReleaseStripes.newBuilder()
                .setCacheNodeId(node)
                .addAllStripes(stripes)
                .build();
    }

    private ClaimTrim claimTrim() {
        return ClaimTrim.newBuilder()
                .setCacheNodeId(pick(CACHE_POOL))
                .setStripeCount(random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(16))
                .build();
    }

    /** Mostly a claimant confirming some of its claims; sometimes a node's pending or a wild stripe. */
    private ConfirmTrimmed confirm(TabletStateMachine machine) {
        ArrayView array = array(machine);
        String node = pick(CACHE_POOL);
        List<Long> candidates = new ArrayList<>(array.getPendingTrimStripesList());
        if (array.getTrimClaimsCount() > 0 && random.nextInt(5) != 0) {
            Reservation claim = pick(array.getTrimClaimsList());
            node = claim.getCacheNodeId();
            candidates = new ArrayList<>(claim.getStripesList());
        }
        List<Long> stripes = take(candidates, 1 + random.nextInt(8));
        if (stripes.isEmpty() || random.nextInt(10) == 0) {
            stripes = List.of((long) random.nextInt(300));
        }
        return ConfirmTrimmed.newBuilder()
                .setCacheNodeId(node)
                .addAllStripes(stripes)
                .build();
    }

    private MarkSlotDead markDead(TabletStateMachine machine) {
        ArrayView array = array(machine);
        Slot slot = pick(array.getSlotsList());
        long version = array.getDeathRecordVersion() + (random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(3));
        return MarkSlotDead.newBuilder()
                .setSlotIndex(slot.getSlotIndex())
                .setExpectedNodeId(slot.getNodeId())
                .setDeathRecordVersion(version)
                .setReporterCacheNodeId(pick(CACHE_POOL))
                .setCause(random.nextInt(3) == 0 ? MarkSlotDead.Cause.LIED : MarkSlotDead.Cause.UNREACHABLE)
                .build();
    }

    private AssignReplacement assign(TabletStateMachine machine) {
        Slot slot = pick(array(machine).getSlotsList());
        String node = random.nextInt(5) == 0 ? slot.getNodeId() : nodeId("sector-replacement-" + nextSectorServer++);
        return AssignReplacement.newBuilder()
                .setSlotIndex(slot.getSlotIndex())
                .setReplacement(SlotAssignment.newBuilder().setNodeId(node).setAddress("replacement:7000"))
                .setRebuilderCacheNodeId(pick(CACHE_POOL))
                .build();
    }

    private MarkSlotRebuilt rebuilt(TabletStateMachine machine) {
        List<Slot> slots = new ArrayList<>();
        for (Slot slot : array(machine).getSlotsList()) {
            if (slot.getState() == SlotState.SLOT_REBUILDING) {
                slots.add(slot);
            }
        }
        Slot slot = slots.isEmpty() ? pick(array(machine).getSlotsList()) : pick(slots);
        String rebuilder = random.nextInt(5) == 0 ? pick(CACHE_POOL) : slot.getRebuilderCacheNodeId();
        return MarkSlotRebuilt.newBuilder()
                .setSlotIndex(slot.getSlotIndex())
                .setExpectedNodeId(slot.getNodeId())
                .setRebuilderCacheNodeId(rebuilder)
                .build();
    }

    private RotateDataKey rotate(TabletStateMachine machine) {
        long current = machine.query(Query.newBuilder()
                        .setDataKeys(DataKeysQuery.getDefaultInstance())
                        .build())
                .getDataKeys()
                .getCurrentEpoch();
        byte[] key = new byte[32];
        random.nextBytes(key);
        key[0] = 1;
        long epoch = random.nextInt(8) == 0 ? current : current + 1;
        return RotateDataKey.newBuilder()
                .setNewEpoch(epoch)
                .setKey(ByteString.copyFrom(key))
                .build();
    }

    private UpdatePolicy policy(TabletStateMachine machine) {
        ClusterView cluster = cluster(machine);
        List<String> allowed =
                random.nextInt(3) == 0 ? List.of(MEASUREMENT_B) : List.of(Fixtures.CACHE_MEASUREMENT, MEASUREMENT_B);
        long expected = random.nextInt(6) == 0 ? cluster.getPolicyVersion() + 1 : cluster.getPolicyVersion();
        return UpdatePolicy.newBuilder()
                .setExpectedPolicyVersion(expected)
                .setPolicy(Fixtures.cachePolicy(allowed.toArray(String[]::new)))
                .build();
    }

    /** Returns a blob over a few of {@code reserved} (consumed from the list), sometimes empty or bogus. */
    private TabletBlob blob(TabletStateMachine machine, List<Long> reserved) {
        int roll = random.nextInt(20);
        if (roll == 0) {
            return Tablet.EMPTY_BLOB;
        }
        List<Long> stripes = take(reserved, 1 + random.nextInt(2));
        if (stripes.isEmpty() || roll == 1) {
            stripes = List.of((long) random.nextInt(300));
        }
        long epoch = machine.query(Query.newBuilder()
                        .setDataKeys(DataKeysQuery.getDefaultInstance())
                        .build())
                .getDataKeys()
                .getCurrentEpoch();
        TabletBlob.Builder blob = Fixtures.blob(stripes, roll == 2 ? epoch + 5 : epoch).toBuilder()
                .clearWrittenSlotNodeIds();
        // Written where the array is, mostly; sometimes by a writer that skipped a rebuilt slot.
        for (Slot slot : array(machine).getSlotsList()) {
            boolean skipped = slot.getState() == SlotState.SLOT_DEAD
                    || (slot.getState() != SlotState.SLOT_DEAD && random.nextInt(8) == 0);
            blob.addWrittenSlotNodeIds(skipped ? "" : slot.getNodeId());
        }
        return roll == 3 ? blob.setNonce(ByteString.EMPTY).build() : blob.build();
    }

    private List<Long> take(List<Long> from, int count) {
        List<Long> taken = new ArrayList<>();
        while (taken.size() < count && !from.isEmpty()) {
            taken.add(from.remove(random.nextInt(from.size())));
        }
        return taken;
    }

    /** Returns mostly a node that holds reservations, so commits have stripes to use. */
    private String writer(TabletStateMachine machine) {
        List<Reservation> reservations = array(machine).getReservationsList();
        if (reservations.isEmpty() || random.nextInt(8) == 0) {
            return pick(CACHE_POOL);
        }
        return pick(reservations).getCacheNodeId();
    }

    private List<Long> reservedBy(TabletStateMachine machine, String node) {
        for (Reservation reservation : array(machine).getReservationsList()) {
            if (reservation.getCacheNodeId().equals(node)) {
                return new ArrayList<>(reservation.getStripesList());
            }
        }
        return new ArrayList<>();
    }

    private <T> T pick(List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    private static long nextTabletId(TabletStateMachine machine) {
        return machine.query(Query.newBuilder()
                        .setCluster(ClusterQuery.getDefaultInstance())
                        .build())
                .getCluster()
                .getNextTabletId();
    }

    private static List<TabletMeta> ring(TabletStateMachine machine) {
        return machine.query(Query.newBuilder()
                        .setRing(RingQuery.getDefaultInstance())
                        .build())
                .getRing()
                .getTabletsList();
    }

    private static ArrayView array(TabletStateMachine machine) {
        return machine.query(Query.newBuilder()
                        .setArray(ArrayQuery.getDefaultInstance())
                        .build())
                .getArray();
    }

    private static ClusterView cluster(TabletStateMachine machine) {
        return machine.query(Query.newBuilder()
                        .setCluster(ClusterQuery.getDefaultInstance())
                        .build())
                .getCluster();
    }
}
