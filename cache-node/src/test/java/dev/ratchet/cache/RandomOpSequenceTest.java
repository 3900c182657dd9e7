package dev.ratchet.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.cache.TabletBatch.Applied;
import dev.ratchet.cache.proto.Entry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random batches of puts, deletes, compare-and-sets and retries against a plain map model; every
 * outcome and the final state must agree, every version must be fresh, and the chain of deltas
 * (serialized, parsed, applied in order) must give exactly the same tablet. Batch {@code b} is
 * written at store tick {@code b}, so the window's age bound drops records and raises its floor,
 * and late retries meet REQUEST_TOO_OLD. Seeded, so a failure names its seed.
 */
class RandomOpSequenceTest {
    private static final long TABLET = 11;
    private static final int KEYS = 12;

    /** The model: a map, a counter, and every recorded outcome by request id. */
    private static final class Model {
        final Map<ByteString, StoredValue> entries = new HashMap<>();
        // Insertion order, bounded like the tablet's window: the oldest record is forgotten first.
        final LinkedHashMap<ByteString, KvOp> opsById = new LinkedHashMap<>();
        final Map<ByteString, OpOutcome> outcomesById = new HashMap<>();
        final Map<ByteString, Long> ticksById = new HashMap<>();
        long nextVersion = 1;
        long floor;
        long now;
        // Whether the current batch wrote: only a written version applies the window's bounds.
        boolean wrote;

        OpOutcome apply(KvOp op) {
            KvOp earlier = opsById.get(op.requestId());
            if (earlier != null) {
                return earlier.sha256().equals(op.sha256())
                        ? outcomesById.get(op.requestId())
                        : OpOutcome.requestIdReusedOutcome();
            }
            if (op.issuedAtTicks() < floor) {
                return OpOutcome.requestTooOldOutcome();
            }
            StoredValue current = entries.get(op.key());
            switch (op.kind()) {
                case PUT:
                    return write(op);
                case DELETE:
                    if (current == null) {
                        return OpOutcome.deletedAbsent();
                    }
                    entries.remove(op.key());
                    nextVersion++;
                    return remember(op, OpOutcome.deleted(current.version()));
                default:
                    if (op.expectation().matches(Optional.ofNullable(current))) {
                        return write(op);
                    }
                    return OpOutcome.compareFailed(Optional.ofNullable(current));
            }
        }

        private OpOutcome write(KvOp op) {
            entries.put(op.key(), new StoredValue(op.value(), nextVersion));
            return remember(op, OpOutcome.written(nextVersion++));
        }

        private OpOutcome remember(KvOp op, OpOutcome outcome) {
            opsById.put(op.requestId(), op);
            outcomesById.put(op.requestId(), outcome);
            ticksById.put(op.requestId(), Math.max(now, op.issuedAtTicks()));
            wrote = true;
            return outcome;
        }

        /** Drops records from the oldest end while the oldest is over the age bound. */
        void endBatch() {
            if (!wrote) {
                return;
            }
            wrote = false;
            while (!opsById.isEmpty()) {
                ByteString oldest = opsById.keySet().iterator().next();
                long tick = ticksById.get(oldest);
                if (now <= TabletWindow.AGE_TICKS_MAX || tick >= now - TabletWindow.AGE_TICKS_MAX) {
                    return;
                }
                floor = Math.max(floor, tick + 1);
                opsById.remove(oldest);
                outcomesById.remove(oldest);
                ticksById.remove(oldest);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 42, 20261122})
    void randomBatches_agreeWithAMapModel(long seed) throws Exception {
        Random random = new Random(seed);
        Model model = new Model();
        TabletContents tablet = TabletContents.empty(TABLET);
        // What a reader gets from the base and the delta blobs: each changed batch's delta, through
        // its bytes, applied to the previous version.
        TabletContents readBack = tablet;
        List<KvOp> history = new ArrayList<>();
        int nextId = 0;
        int tooOld = 0;
        for (int batch = 0; batch < 150; batch++) {
            List<KvOp> ops = new ArrayList<>();
            int size = 1 + random.nextInt(20);
            for (int i = 0; i < size; i++) {
                long now = batch;
                KvOp op = (!history.isEmpty() && random.nextInt(8) == 0)
                        ? retryOrReuse(random, history)
                        : randomOp(random, TabletBatchTest.id(nextId++), model)
                                .issuedAt(Math.max(0, now - random.nextInt(4)));
                ops.add(op);
                history.add(op);
            }
            long versionBefore = tablet.nextKeyVersion();
            TabletContents previous = tablet;
            Applied applied = TabletBatch.apply(tablet, ops, batch);
            model.now = batch;
            for (int i = 0; i < ops.size(); i++) {
                OpOutcome expected = model.apply(ops.get(i));
                assertEquals(expected, applied.outcomes().get(i), "seed " + seed + " batch " + batch + " op " + i);
                if (expected.refusal() == OpOutcome.Refusal.REQUEST_TOO_OLD) {
                    tooOld++;
                }
            }
            model.endBatch();
            assertEquals(applied.changed(), applied.next().nextKeyVersion() != versionBefore, "seed " + seed);
            tablet = applied.next();
            if (applied.changed()) {
                assertEquals(
                        applied.next(), applied.delta().applyTo(previous), "the unchecked result passes every check");
                readBack =
                        TabletDelta.parse(applied.delta().serialize(), TABLET).applyTo(readBack);
            }
            assertEquals(tablet, readBack, "seed " + seed + " batch " + batch + ": base + deltas");
            assertSameState(model, tablet, seed);
            assertEquals(model.floor, tablet.windowFloorTicks(), "seed " + seed + " batch " + batch + ": floor");
            assertEquals(model.opsById.size(), tablet.appliedRequests().size(), "seed " + seed + ": window");
            byte[] bytes = tablet.serialize();
            assertArrayEquals(bytes, TabletContents.parse(bytes, TABLET).serialize());
        }
        assertTrue(model.floor > 0, "seed " + seed + ": the age bound dropped records");
        assertTrue(tooOld > 0, "seed " + seed + ": some late retry met the floor");
    }

    private static void assertSameState(Model model, TabletContents tablet, long seed) {
        assertEquals(model.entries.size(), tablet.keyCount(), "seed " + seed);
        assertEquals(model.nextVersion, tablet.nextKeyVersion(), "seed " + seed);
        for (Map.Entry<ByteString, StoredValue> entry : model.entries.entrySet()) {
            assertEquals(Optional.of(entry.getValue()), tablet.get(entry.getKey()), "seed " + seed);
        }
        for (Entry entry : tablet.entries()) {
            assertTrue(entry.getVersion() < tablet.nextKeyVersion());
        }
    }

    private static KvOp retryOrReuse(Random random, List<KvOp> history) {
        KvOp earlier = history.get(random.nextInt(history.size()));
        if (random.nextBoolean()) {
            return earlier;
        }
        return KvOp.put(earlier.requestId(), key(random), value(random));
    }

    private static KvOp randomOp(Random random, ByteString requestId, Model model) {
        ByteString key = key(random);
        switch (random.nextInt(4)) {
            case 0:
                return KvOp.put(requestId, key, value(random));
            case 1:
                return KvOp.delete(requestId, key);
            default:
                return KvOp.compareAndSet(requestId, key, expectation(random, model.entries.get(key)), value(random));
        }
    }

    private static Expectation expectation(Random random, StoredValue current) {
        boolean aimRight = random.nextBoolean();
        switch (random.nextInt(3)) {
            case 0:
                return Expectation.version(aimRight && current != null ? current.version() : random.nextInt(50));
            case 1:
                return Expectation.value(aimRight && current != null ? current.value() : value(random));
            default:
                return Expectation.absent();
        }
    }

    private static ByteString key(Random random) {
        return ByteString.copyFrom(new byte[] {(byte) (random.nextInt(KEYS) * 23)});
    }

    private static ByteString value(Random random) {
        byte[] value = new byte[random.nextInt(4)];
        random.nextBytes(value);
        return ByteString.copyFrom(value);
    }
}
