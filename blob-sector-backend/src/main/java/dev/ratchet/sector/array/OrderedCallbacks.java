package dev.ratchet.sector.array;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An executor that runs its tasks one at a time, in submission order, on the submitting threads:
 * callbacks stay ordered without holding a lock while they run.
 *
 * <p>The thread that finds the queue idle drains it, including tasks others submit meanwhile; the
 * others return at once.
 */
final class OrderedCallbacks implements Executor {
    private static final Logger log = LoggerFactory.getLogger(OrderedCallbacks.class);

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

    /** Tasks submitted and not yet run; the submitter that raises it from 0 drains. */
    private final AtomicInteger pending = new AtomicInteger();

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (pending.getAndIncrement() != 0) {
            return;
        }
        do {
            try {
                tasks.remove().run();
            } catch (RuntimeException e) {
                // A throwing callback must not wedge the queue for everyone after it.
                log.warn("callback threw", e);
            }
        } while (pending.decrementAndGet() != 0);
    }
}
