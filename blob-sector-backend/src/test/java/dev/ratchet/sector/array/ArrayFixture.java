package dev.ratchet.sector.array;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * A k+m array over in-memory devices, with the faults it reported, a ticker that advances one
 * millisecond per reading, and helpers to wait on futures with a bound.
 */
final class ArrayFixture implements AutoCloseable {
    static final long SEED = 0xA77A_7001L;

    /** Call timeout in tests: long enough never to fire on a healthy in-memory call, short enough to wait out. */
    static final long CALL_TIMEOUT_MILLIS = 200;

    final int k;
    final int m;
    final List<InMemorySectorDevice> devices = new ArrayList<>();
    final List<ShardFault> faults = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong tickerNanos = new AtomicLong();
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    final SectorArray array;
    final Random random = new Random(SEED);

    ArrayFixture(int k, int m) {
        this(k, m, UnaryOperator.identity());
    }

    ArrayFixture(int k, int m, UnaryOperator<SectorArray.Builder> settings) {
        this.k = k;
        this.m = m;
        for (int s = 0; s < k + m; s++) {
            devices.add(new InMemorySectorDevice("node-" + s));
        }
        SectorArray.Builder builder = SectorArray.builder(k, m)
                .slots(devices)
                .callTimeoutMillis(CALL_TIMEOUT_MILLIS)
                .scheduler(scheduler)
                .executor(Runnable::run)
                .nanoTicker(() -> tickerNanos.addAndGet(1_000_000))
                .faultListener(faults::add);
        this.array = settings.apply(builder).build();
    }

    InMemorySectorDevice device(int slot) {
        return devices.get(slot);
    }

    byte[] randomBlob(int lengthBytes) {
        byte[] blob = new byte[lengthBytes];
        random.nextBytes(blob);
        return blob;
    }

    /** Returns {@code count} consecutive stripes starting at {@code first}. */
    static long[] stripes(long first, int count) {
        long[] stripes = new long[count];
        for (int p = 0; p < count; p++) {
            stripes[p] = first + p;
        }
        return stripes;
    }

    /** Returns how many stripes a blob of {@code lengthBytes} needs in this array. */
    int stripesFor(int lengthBytes) {
        return (lengthBytes + k * 4096 - 1) / (k * 4096);
    }

    /** Writes a blob to consecutive stripes from {@code first}. */
    StripeWrite write(long first, byte[] blob) {
        return await(array.write(stripes(first, stripesFor(blob.length)), blob));
    }

    byte[] read(StripeWrite written) {
        return await(array.read(written.stripes(), written.lengthBytes(), written.shardDigests()));
    }

    /** Returns the failure of a future that must fail, after at most 10 seconds. */
    static Throwable failureOf(CompletableFuture<?> future) {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return BatchPipeline.unwrap(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("future did not fail in time", e);
        }
        throw new AssertionError("future succeeded but should have failed");
    }

    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("future failed", e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("future did not complete in time", e);
        }
    }

    /** Answers held calls until {@code future} completes, and returns its value. */
    static <T> T releaseUntilDone(CompletableFuture<T> future, List<InMemorySectorDevice> devices) {
        for (int round = 0; round < 100_000 && !future.isDone(); round++) {
            devices.forEach(InMemorySectorDevice::release);
        }
        assertTrue(future.isDone(), "future still pending after releasing every held call");
        return await(future);
    }

    /** Returns the faults of one kind reported against {@code slot}. */
    long faultCount(int slot, ShardFault.Kind kind) {
        synchronized (faults) {
            return faults.stream()
                    .filter(fault -> fault.slot() == slot && fault.kind() == kind)
                    .count();
        }
    }

    @Override
    public void close() {
        array.close();
        scheduler.shutdownNow();
    }
}
