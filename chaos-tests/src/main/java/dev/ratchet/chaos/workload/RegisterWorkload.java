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
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The register workload: worker threads doing get, put, compare-and-set and delete on short-lived
 * keys through the SDK, with unique values, each event recorded.
 *
 * <ul>
 *   <li>Mix: get 50 %, put 25 %, cas 20 %, delete 5 %. A cas expects what its worker last read of
 *       the key (its version, or its value, or absence).
 *   <li>Keys rotate: {@link #ACTIVE_KEYS} at a time, each retired after {@link #OPS_PER_KEY_MAX}
 *       operations, so each key's history stays small enough for the search (chaos-design.md
 *       §2.7).
 *   <li>Outcomes: an answer is {@code ok}; an error the SDK says was not applied is {@code fail};
 *       an unknown outcome (or any error of a read) is {@code info} for a write and {@code fail}
 *       for a read. After an {@code info} the worker takes a new process number, as Jepsen's do,
 *       because the old one may still be in flight.
 * </ul>
 *
 * <p>Randomness comes from the run's seed, one split per worker.
 */
public final class RegisterWorkload extends SeededWorkers {
    /** Keys written at once. */
    static final int ACTIVE_KEYS = 4;

    /** Operations on one key before it is retired. */
    static final int OPS_PER_KEY_MAX = 120;

    private final RatchetClient client;
    private final Recorder recorder;
    private final String keyPrefix;
    private final long pauseNanos;
    private final AtomicInteger nextProcess = new AtomicInteger();
    private final String[] activeKeys = new String[ACTIVE_KEYS];
    private final int[] opsOnKey = new int[ACTIVE_KEYS];
    private int keysUsed;

    /**
     * A workload of {@code workers} threads, each pausing {@code pauseMillis} between operations,
     * on keys named {@code keyPrefix}-n.
     */
    public RegisterWorkload(
            RatchetClient client, Recorder recorder, String keyPrefix, int workers, long pauseMillis, long seed) {
        super("worker", workers, seed, 60);
        this.client = client;
        this.recorder = recorder;
        this.keyPrefix = keyPrefix;
        this.pauseNanos = TimeUnit.MILLISECONDS.toNanos(pauseMillis);
        for (int i = 0; i < ACTIVE_KEYS; i++) {
            activeKeys[i] = keyPrefix + "-" + keysUsed++;
        }
    }

    @Override
    void work(SplittableRandom random) {
        int process = nextProcess.getAndIncrement();
        Map<String, Optional<VersionedValue>> lastRead = new HashMap<>();
        int written = 0;
        while (!stopping()) {
            String key = takeKey(random.nextInt(ACTIVE_KEYS));
            int roll = random.nextInt(100);
            boolean unknown;
            if (roll < 50) {
                unknown = get(process, key, lastRead);
            } else if (roll < 75) {
                unknown = put(process, key, "p" + process + "-" + written++);
            } else if (roll < 95) {
                unknown = cas(process, key, "p" + process + "-" + written++, lastRead.get(key), random);
            } else {
                unknown = delete(process, key);
            }
            if (unknown) {
                process = nextProcess.getAndIncrement();
                written = 0;
            }
            if (pauseNanos > 0) {
                LockSupport.parkNanos(pauseNanos);
            }
        }
    }

    /** Returns the key in slot {@code slot}, retiring it for a fresh one once it has had its share. */
    private synchronized String takeKey(int slot) {
        if (opsOnKey[slot] >= OPS_PER_KEY_MAX) {
            activeKeys[slot] = keyPrefix + "-" + keysUsed++;
            opsOnKey[slot] = 0;
        }
        opsOnKey[slot]++;
        return activeKeys[slot];
    }

    private boolean get(int process, String key, Map<String, Optional<VersionedValue>> lastRead) {
        recorder.record(invoke(process, "get", key, null, null));
        try {
            Optional<VersionedValue> value = client.get(bytes(key));
            lastRead.put(key, value);
            recorder.record(done(process, OpType.OK, "get", key)
                    .value(value.map(v -> text(v.value())).orElse(null))
                    .version(value.map(VersionedValue::version).orElse(null))
                    .build());
            return false;
        } catch (RuntimeException e) {
            // A read changes nothing: whatever happened, it is a failed read.
            recorder.record(
                    done(process, OpType.FAIL, "get", key).error(describe(e)).build());
            return false;
        }
    }

    private boolean put(int process, String key, String value) {
        recorder.record(invoke(process, "put", key, value, null));
        try {
            long version = client.put(bytes(key), bytes(value));
            recorder.record(
                    done(process, OpType.OK, "put", key).version(version).build());
            return false;
        } catch (RuntimeException e) {
            return failedWrite(process, "put", key, e);
        }
    }

    private boolean cas(
            int process, String key, String value, Optional<VersionedValue> known, SplittableRandom random) {
        Op.Expect expect;
        Expectation expectation;
        if (known == null || known.isEmpty()) {
            expect = Op.Expect.absent();
            expectation = Expectation.absent();
        } else if (random.nextBoolean()) {
            expect = Op.Expect.version(known.get().version());
            expectation = Expectation.version(known.get().version());
        } else {
            expect = Op.Expect.value(text(known.get().value()));
            expectation = Expectation.value(known.get().value());
        }
        recorder.record(invoke(process, "cas", key, value, expect));
        try {
            CasResult result = client.compareAndSet(bytes(key), expectation, bytes(value));
            OpBuilder done = done(process, OpType.OK, "cas", key).swapped(result.succeeded());
            if (result.succeeded()) {
                done.version(result.version());
            } else {
                done.value(result.current().map(v -> text(v.value())).orElse(null))
                        .version(result.current().map(VersionedValue::version).orElse(null));
            }
            recorder.record(done.build());
            return false;
        } catch (RuntimeException e) {
            return failedWrite(process, "cas", key, e);
        }
    }

    private boolean delete(int process, String key) {
        recorder.record(invoke(process, "delete", key, null, null));
        try {
            boolean existed = client.delete(bytes(key));
            recorder.record(
                    done(process, OpType.OK, "delete", key).existed(existed).build());
            return false;
        } catch (RuntimeException e) {
            return failedWrite(process, "delete", key, e);
        }
    }

    /** Records a write's failure: fail if certainly not applied, else info. Returns whether info. */
    private boolean failedWrite(int process, String f, String key, RuntimeException e) {
        boolean notApplied = e instanceof RatchetException ratchet && !ratchet.outcomeUnknown();
        recorder.record(done(process, notApplied ? OpType.FAIL : OpType.INFO, f, key)
                .error(describe(e))
                .build());
        return !notApplied;
    }

    private static String describe(RuntimeException e) {
        return e instanceof RatchetException ratchet ? ratchet.code() + ": " + ratchet.detail() : e.toString();
    }

    private static Op invoke(int process, String f, String key, String value, Op.Expect expect) {
        return new Op(0, 0, process, OpType.INVOKE, f, key, value, null, expect, null, null, null, null);
    }

    private static OpBuilder done(int process, OpType type, String f, String key) {
        return new OpBuilder(process, type, f, key);
    }

    /** A completion being filled in. */
    private static final class OpBuilder {
        private final int process;
        private final OpType type;
        private final String f;
        private final String key;
        private String value;
        private Long version;
        private Boolean swapped;
        private Boolean existed;
        private String error;

        OpBuilder(int process, OpType type, String f, String key) {
            this.process = process;
            this.type = type;
            this.f = f;
            this.key = key;
        }

        OpBuilder value(String newValue) {
            this.value = newValue;
            return this;
        }

        OpBuilder version(Long newVersion) {
            this.version = newVersion;
            return this;
        }

        OpBuilder swapped(boolean newSwapped) {
            this.swapped = newSwapped;
            return this;
        }

        OpBuilder existed(boolean newExisted) {
            this.existed = newExisted;
            return this;
        }

        OpBuilder error(String newError) {
            this.error = newError;
            return this;
        }

        Op build() {
            return new Op(0, 0, process, type, f, key, value, version, null, swapped, existed, null, error);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
