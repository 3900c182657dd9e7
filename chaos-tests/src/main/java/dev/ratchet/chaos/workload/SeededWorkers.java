package dev.ratchet.chaos.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The worker threads of a workload: each runs {@link #work} with its own split of the run's
 * seeded randomness until {@link #close}, which waits (bounded) for their last operations.
 */
abstract class SeededWorkers implements Workload {
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final long joinMillis;

    SeededWorkers(String name, int workers, long seed, long joinSeconds) {
        this.joinMillis = TimeUnit.SECONDS.toMillis(joinSeconds);
        SplittableRandom root = new SplittableRandom(seed);
        for (int w = 0; w < workers; w++) {
            SplittableRandom random = root.split();
            Thread thread = new Thread(() -> work(random), name + "-" + w);
            thread.setDaemon(true);
            threads.add(thread);
        }
    }

    /** One worker's loop; it returns once {@link #stopping} is true. */
    abstract void work(SplittableRandom random);

    /** Whether {@link #close} was called. */
    final boolean stopping() {
        return stopping.get();
    }

    @Override
    public final void start() {
        threads.forEach(Thread::start);
    }

    @Override
    public final void close() throws InterruptedException {
        stopping.set(true);
        for (Thread thread : threads) {
            thread.join(joinMillis);
        }
    }
}
