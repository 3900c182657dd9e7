package dev.ratchet.chaos.workload;

import dev.ratchet.chaos.history.Op;
import dev.ratchet.chaos.history.OpType;
import dev.ratchet.chaos.history.Recorder;
import dev.ratchet.client.CasResult;
import dev.ratchet.client.Expectation;
import dev.ratchet.client.RatchetClient;
import dev.ratchet.client.RatchetException;
import dev.ratchet.client.VersionedValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The set workload (Jepsen's set): workers add unique elements to a few set keys, each add a
 * read-modify-write through compare-and-set on the key's version, and after the heal one final
 * read of every key is recorded. {@code SetCheck} then looks for acknowledged elements that are
 * missing, elements nobody added, and elements that are there twice.
 *
 * <p>An add is {@code ok} once a cas swapped, or once a read shows the element after an attempt of
 * unknown outcome (that attempt took effect); {@code fail} if every attempt certainly did nothing;
 * {@code info} if some attempt's outcome stays unknown. Its internal reads and cas attempts are
 * not in the history: the add is the operation.
 */
public final class SetWorkload extends SeededWorkers {
    /** Set keys written at once. */
    static final int KEYS = 4;

    /** Elements a key takes before a fresh key replaces it, to keep values small. */
    static final int ELEMENTS_PER_KEY_MAX = 300;

    /** Cas attempts per add before it gives up. */
    static final int ATTEMPTS_MAX = 20;

    private final RatchetClient client;
    private final Recorder recorder;
    private final String keyPrefix;
    private final long pauseNanos;
    private final AtomicInteger nextProcess = new AtomicInteger();
    private final String[] activeKeys = new String[KEYS];
    private final int[] addsOnKey = new int[KEYS];
    private final List<String> allKeys = new ArrayList<>();
    private int keysUsed;

    public SetWorkload(
            RatchetClient client, Recorder recorder, String keyPrefix, int workers, long pauseMillis, long seed) {
        super("set-worker", workers, seed, 120);
        this.client = client;
        this.recorder = recorder;
        this.keyPrefix = keyPrefix;
        this.pauseNanos = TimeUnit.MILLISECONDS.toNanos(pauseMillis);
        for (int i = 0; i < KEYS; i++) {
            activeKeys[i] = newKey();
        }
    }

    /** Reads every set key once (after the heal and {@link #close}), recording each read. */
    @Override
    public void finalReads() {
        List<String> keys;
        synchronized (this) {
            keys = List.copyOf(allKeys);
        }
        int process = nextProcess.getAndIncrement();
        for (String key : keys) {
            recorder.record(op(process, OpType.INVOKE, "read", key, null, null));
            try {
                Optional<VersionedValue> value = client.get(bytes(key));
                recorder.record(op(
                        process,
                        OpType.OK,
                        "read",
                        key,
                        value.map(v -> text(v.value())).orElse(""),
                        null));
            } catch (RuntimeException e) {
                recorder.record(op(process, OpType.FAIL, "read", key, null, e.toString()));
            }
        }
    }

    private synchronized String newKey() {
        String key = keyPrefix + "-set-" + keysUsed++;
        allKeys.add(key);
        return key;
    }

    private synchronized String takeKey(int slot) {
        if (addsOnKey[slot] >= ELEMENTS_PER_KEY_MAX) {
            activeKeys[slot] = newKey();
            addsOnKey[slot] = 0;
        }
        addsOnKey[slot]++;
        return activeKeys[slot];
    }

    @Override
    void work(SplittableRandom random) {
        int process = nextProcess.getAndIncrement();
        int added = 0;
        while (!stopping()) {
            String key = takeKey(random.nextInt(KEYS));
            String element = "e" + process + "-" + added++;
            recorder.record(op(process, OpType.INVOKE, "add", key, element, null));
            Outcome outcome = add(key, element);
            recorder.record(op(process, outcome.type(), "add", key, null, outcome.error()));
            if (outcome.type() == OpType.INFO) {
                process = nextProcess.getAndIncrement();
                added = 0;
            }
            if (pauseNanos > 0) {
                LockSupport.parkNanos(pauseNanos);
            }
        }
    }

    private record Outcome(OpType type, String error) {}

    private Outcome add(String key, String element) {
        boolean unknown = false;
        String lastError = null;
        for (int attempt = 0; attempt < ATTEMPTS_MAX && !stopping(); attempt++) {
            Optional<VersionedValue> current;
            try {
                current = client.get(bytes(key));
            } catch (RuntimeException e) {
                lastError = describe(e);
                continue;
            }
            List<String> elements =
                    current.map(v -> Arrays.asList(text(v.value()).split(","))).orElse(List.of());
            if (unknown && elements.contains(element)) {
                return new Outcome(OpType.OK, null); // an attempt of unknown outcome took effect
            }
            String next = current.map(v -> text(v.value()) + "," + element).orElse(element);
            Expectation expectation =
                    current.map(v -> Expectation.version(v.version())).orElse(Expectation.absent());
            try {
                CasResult result = client.compareAndSet(bytes(key), expectation, bytes(next));
                if (result.succeeded()) {
                    return new Outcome(OpType.OK, null);
                }
                lastError = "cas lost a race";
            } catch (RatchetException e) {
                unknown |= e.outcomeUnknown();
                lastError = describe(e);
            } catch (RuntimeException e) {
                unknown = true;
                lastError = describe(e);
            }
        }
        return new Outcome(unknown ? OpType.INFO : OpType.FAIL, lastError);
    }

    private static Op op(int process, OpType type, String f, String key, String value, String error) {
        return new Op(0, 0, process, type, f, key, value, null, null, null, null, null, error);
    }

    private static String describe(RuntimeException e) {
        return e instanceof RatchetException ratchet ? ratchet.code() + ": " + ratchet.detail() : e.toString();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
