package dev.ratchet.tablet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.Snapshot;
import dev.ratchet.tablet.proto.TabletMeta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random command sequences: invariants after every step, refused commands change nothing,
 * replay gives identical results and snapshots, and snapshot-restore-continue gives the same end.
 */
class RandomCommandSequenceTest {
    private static final int STEPS = 2500;
    private static final long STRIPE_COUNT = 200;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 20261122})
    void randomSequence_keepsInvariants_andReplaysIdentically(long seed) {
        Fixtures fixtures = new Fixtures();
        TabletStateMachine machine = fixtures.bootstrapped(4, STRIPE_COUNT);
        List<Command> commands = new ArrayList<>();
        List<Result> results = new ArrayList<>();
        CommandGenerator generator = new CommandGenerator(seed);
        Monotonic monotonic = new Monotonic();
        Map<String, Integer> okByKind = new TreeMap<>();
        byte[] midSnapshot = null;

        for (int step = 0; step < STEPS; step++) {
            if (step == STEPS / 2) {
                midSnapshot = machine.snapshot();
                assertArrayEquals(
                        midSnapshot, TabletStateMachine.restore(midSnapshot).snapshot(), "round trip");
            }
            Command command = generator.next(machine);
            byte[] before = stateWithoutWindow(machine);
            Result result = machine.apply(command);
            commands.add(command);
            results.add(result);
            String context = "seed " + seed + " step " + step + ": " + command.getKindCase() + " -> " + status(result);

            assertFalse(machine.failed(), context);
            machine.checkInvariants();
            monotonic.check(machine.snapshotMessage(), context);
            // SUSPECTED records a death report without a death: it changes state though not OK.
            boolean changes = status(result).equals("OK") || status(result).equals("SUSPECTED");
            if (!changes || result.getReplayed()) {
                assertArrayEquals(before, stateWithoutWindow(machine), "refused but changed: " + context);
            } else {
                okByKind.merge(result.getKindCase().name(), 1, Integer::sum);
            }
        }
        byte[] finalSnapshot = machine.snapshot();

        // The generator reached the interesting paths, not just refusals.
        for (String kind : List.of(
                "COMMIT_TABLETS",
                "SPLIT_TABLET",
                "MERGE_TABLETS",
                "RESERVE_STRIPES",
                "CLAIM_TRIM",
                "CONFIRM_TRIMMED",
                "RELEASE_STRIPES",
                "MARK_SLOT_DEAD",
                "ROTATE_DATA_KEY")) {
            assertTrue(okByKind.getOrDefault(kind, 0) >= 5, "seed " + seed + " OK counts " + okByKind);
        }

        // Replay: the same commands on a fresh machine give the same results and bytes.
        TabletStateMachine replica = new Fixtures().bootstrapped(4, STRIPE_COUNT);
        for (int step = 0; step < commands.size(); step++) {
            assertEquals(results.get(step), replica.apply(commands.get(step)), "replay step " + step);
        }
        assertArrayEquals(finalSnapshot, replica.snapshot());

        // Snapshot, restore, continue: the restored copy ends where the original did.
        TabletStateMachine restored = TabletStateMachine.restore(midSnapshot);
        for (int step = STEPS / 2; step < commands.size(); step++) {
            assertEquals(results.get(step), restored.apply(commands.get(step)), "restored step " + step);
        }
        assertArrayEquals(finalSnapshot, restored.snapshot());
    }

    private static byte[] stateWithoutWindow(TabletStateMachine machine) {
        return machine.snapshotMessage().toBuilder()
                .clearIdempotencyWindow()
                .build()
                .toByteArray();
    }

    /** Returns the result's status (or rejection reason) name, read generically from the oneof. */
    static String status(Result result) {
        FieldDescriptor field = result.getOneofFieldDescriptor(
                Result.getDescriptor().getOneofs().get(0));
        Message body = (Message) result.getField(field);
        FieldDescriptor status = body.getDescriptorForType().findFieldByName("status");
        if (status == null) {
            return "REJECTED";
        }
        return ((EnumValueDescriptor) body.getField(status)).getName();
    }

    /** Tracks the values that may only grow, and tablet ids that may never come back. */
    private static final class Monotonic {
        private long deathRecordVersion;
        private long writerSetVersion;
        private long policyVersion;
        private long keyEpoch;
        private final Map<Long, Long> tabletVersions = new HashMap<>();
        private final Set<Long> retiredTablets = new HashSet<>();

        void check(Snapshot snapshot, String context) {
            assertTrue(snapshot.getDeathRecordVersion() >= deathRecordVersion, context);
            assertTrue(snapshot.getWriterSetVersion() >= writerSetVersion, context);
            assertTrue(snapshot.getPolicyVersion() >= policyVersion, context);
            assertTrue(snapshot.getCurrentKeyEpoch() >= keyEpoch, context);
            deathRecordVersion = snapshot.getDeathRecordVersion();
            writerSetVersion = snapshot.getWriterSetVersion();
            policyVersion = snapshot.getPolicyVersion();
            keyEpoch = snapshot.getCurrentKeyEpoch();
            Set<Long> present = new HashSet<>();
            for (TabletMeta tablet : snapshot.getTabletsList()) {
                present.add(tablet.getTabletId());
                assertFalse(retiredTablets.contains(tablet.getTabletId()), "retired id reused: " + context);
                Long previous = tabletVersions.put(tablet.getTabletId(), tablet.getVersion());
                assertTrue(previous == null || tablet.getVersion() >= previous, "version went back: " + context);
            }
            for (Long id : tabletVersions.keySet()) {
                if (!present.contains(id)) {
                    retiredTablets.add(id);
                }
            }
            tabletVersions.keySet().retainAll(present);
        }
    }
}
