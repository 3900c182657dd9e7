package dev.ratchet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.cache.TabletBatch.Applied;
import dev.ratchet.cache.proto.Entry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random writes and retries over a ring of tablets that splits and merges as it goes, against a
 * single map: every op is routed to the tablet owning its key's position, retries across a split
 * or merge still apply once, and per-key versions only grow. Seeded; fewer ops than the window, so
 * no retry is ever forgotten.
 */
class RandomSplitMergeTest {
    private static final int KEYS = 40;

    /** One tablet of the ring: its inclusive range and contents. */
    private record Owned(long first, long last, TabletContents contents) {}

    private final Map<ByteString, StoredValue> model = new HashMap<>();
    private final Map<ByteString, Long> highestVersion = new HashMap<>();
    private final Map<ByteString, OpOutcome> recorded = new HashMap<>();
    private final List<Owned> ring = new ArrayList<>();
    private long nextTabletId = 2;
    // Coverage: the run must really split, merge and replay across them.
    private int splits;
    private int merges;
    private int replays;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 99, 12345})
    void ringOfTablets_agreesWithOneMap(long seed) {
        Random random = new Random(seed);
        ring.add(new Owned(0, -1L, TabletContents.empty(1)));
        List<KvOp> history = new ArrayList<>();
        int nextId = 0;
        for (int step = 0; step < 40; step++) {
            List<KvOp> ops = new ArrayList<>();
            for (int i = 1 + random.nextInt(20); i > 0; i--) {
                KvOp op = !history.isEmpty() && random.nextInt(6) == 0
                        ? history.get(random.nextInt(history.size()))
                        : randomOp(random, TabletBatchTest.id(nextId++));
                ops.add(op);
                history.add(op);
            }
            applyAcrossTablets(ops, "seed " + seed + " step " + step);
            if (random.nextBoolean()) {
                splitSomeTablet(random);
            } else if (ring.size() > 1) {
                mergeSomeNeighbours(random);
            }
            checkRing("seed " + seed + " step " + step);
        }
        assertTrue(
                splits > 3 && merges > 3 && replays > 10,
                splits + " splits, " + merges + " merges, " + replays + " replays");
    }

    private void applyAcrossTablets(List<KvOp> ops, String where) {
        // Each tablet gets its ops in their original order, as a cache node would batch them.
        Map<Integer, List<KvOp>> byTablet = new HashMap<>();
        for (KvOp op : ops) {
            byTablet.computeIfAbsent(owner(op.key()), k -> new ArrayList<>()).add(op);
        }
        for (Map.Entry<Integer, List<KvOp>> batch : byTablet.entrySet()) {
            Owned tablet = ring.get(batch.getKey());
            Applied applied = TabletBatch.apply(tablet.contents(), batch.getValue());
            for (int i = 0; i < batch.getValue().size(); i++) {
                check(batch.getValue().get(i), applied.outcomes().get(i), where);
            }
            ring.set(batch.getKey(), new Owned(tablet.first(), tablet.last(), applied.next()));
        }
    }

    /** Checks one outcome against the model and advances the model. */
    private void check(KvOp op, OpOutcome outcome, String where) {
        OpOutcome earlier = recorded.get(op.requestId());
        if (earlier != null) {
            assertEquals(earlier, outcome, where + ": a retry returns the recorded outcome");
            replays++;
            return;
        }
        StoredValue current = model.get(op.key());
        switch (op.kind()) {
            case PUT:
                written(op, outcome, where);
                return;
            case DELETE:
                assertEquals(current != null, outcome.existed(), where);
                if (current != null) {
                    assertEquals(current.version(), outcome.version(), where);
                    model.remove(op.key());
                    recorded.put(op.requestId(), outcome);
                }
                return;
            default:
                boolean expected = op.expectation().matches(Optional.ofNullable(current));
                assertEquals(expected, outcome.succeeded(), where);
                if (expected) {
                    written(op, outcome, where);
                } else {
                    assertEquals(OpOutcome.compareFailed(Optional.ofNullable(current)), outcome, where);
                }
        }
    }

    private void written(KvOp op, OpOutcome outcome, String where) {
        assertTrue(outcome.succeeded(), where);
        long highest = highestVersion.getOrDefault(op.key(), 0L);
        assertTrue(outcome.version() > highest, where + ": version " + outcome.version() + " after " + highest);
        highestVersion.put(op.key(), outcome.version());
        model.put(op.key(), new StoredValue(op.value(), outcome.version()));
        recorded.put(op.requestId(), outcome);
    }

    private void splitSomeTablet(Random random) {
        int index = random.nextInt(ring.size());
        Owned tablet = ring.get(index);
        OptionalLong position = tablet.contents().splitPosition(tablet.first(), tablet.last());
        if (position.isEmpty()) {
            return;
        }
        long split = position.getAsLong();
        TabletContents[] halves = tablet.contents().splitAt(split, nextTabletId++);
        splits++;
        ring.set(index, new Owned(tablet.first(), split - 1, halves[0]));
        ring.add(index + 1, new Owned(split, tablet.last(), halves[1]));
    }

    private void mergeSomeNeighbours(Random random) {
        int index = random.nextInt(ring.size() - 1);
        Owned left = ring.get(index);
        Owned right = ring.remove(index + 1);
        assertEquals(left.last() + 1, right.first());
        merges++;
        ring.set(index, new Owned(left.first(), right.last(), TabletContents.merge(left.contents(), right.contents())));
    }

    private void checkRing(String where) {
        assertEquals(0, ring.get(0).first(), where);
        assertEquals(-1L, ring.get(ring.size() - 1).last(), where);
        int keys = 0;
        for (int i = 0; i < ring.size(); i++) {
            Owned tablet = ring.get(i);
            if (i > 0) {
                assertEquals(ring.get(i - 1).last() + 1, tablet.first(), where);
            }
            assertTrue(tablet.contents().keysWithin(tablet.first(), tablet.last()), where);
            for (Entry entry : tablet.contents().entries()) {
                assertEquals(model.get(entry.getKey()), new StoredValue(entry.getValue(), entry.getVersion()), where);
                assertTrue(entry.getVersion() < tablet.contents().nextKeyVersion(), where);
            }
            keys += tablet.contents().keyCount();
        }
        assertEquals(model.size(), keys, where);
        assertFalse(ring.isEmpty());
    }

    private int owner(ByteString key) {
        long position = RingPosition.position(key);
        for (int i = 0; i < ring.size(); i++) {
            if (RingPosition.within(position, ring.get(i).first(), ring.get(i).last())) {
                return i;
            }
        }
        throw new AssertionError("no tablet owns " + Long.toUnsignedString(position));
    }

    private KvOp randomOp(Random random, ByteString requestId) {
        ByteString key = ByteString.copyFromUtf8("key-" + random.nextInt(KEYS));
        ByteString value = ByteString.copyFromUtf8("v" + random.nextInt(5));
        StoredValue current = model.get(key);
        switch (random.nextInt(5)) {
            case 0:
            case 1:
                return KvOp.put(requestId, key, value);
            case 2:
                return KvOp.delete(requestId, key);
            case 3:
                return KvOp.compareAndSet(
                        requestId,
                        key,
                        Expectation.version(current != null && random.nextBoolean() ? current.version() : 1),
                        value);
            default:
                return KvOp.compareAndSet(
                        requestId, key, random.nextBoolean() ? Expectation.absent() : Expectation.value(value), value);
        }
    }
}
