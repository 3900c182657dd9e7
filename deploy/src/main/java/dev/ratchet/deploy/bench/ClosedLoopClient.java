package dev.ratchet.deploy.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One logical client in a closed loop: it starts an operation, waits for it to complete, then starts
 * the next, until {@link #startNext()} says it is done. It owns no thread: each operation's
 * completion starts the next one, so a thousand clients need no thousand threads, and there is
 * never more than one operation of a client in flight.
 *
 * <p>Operations that complete at once (already-complete futures, or callbacks that run before the
 * registration returns) are continued in a loop rather than by recursion, so the stack stays flat.
 */
abstract class ClosedLoopClient {
    private static final int REGISTERING = 0;
    private static final int COMPLETED_INLINE = 1;
    private static final int WAITING = 2;

    private final CompletableFuture<Void> finished = new CompletableFuture<>();

    /** Starts the next operation, or returns null when this client is done. May throw. */
    abstract CompletableFuture<?> startNext();

    /**
     * Called once per started operation when it completes: {@code error} is null on success. Runs
     * on whatever thread completed the operation.
     */
    abstract void completed(Throwable error);

    /** Starts the loop; the returned future completes when {@link #startNext()} returned null. */
    final CompletableFuture<Void> run() {
        drive();
        return finished;
    }

    private void drive() {
        while (true) {
            CompletableFuture<?> operation;
            try {
                operation = startNext();
            } catch (RuntimeException e) {
                completed(e);
                continue;
            }
            if (operation == null) {
                finished.complete(null);
                return;
            }
            // The callback and this thread race to move the state off REGISTERING: whoever loses
            // continues the loop, so exactly one of them drives the next operation.
            AtomicInteger state = new AtomicInteger(REGISTERING);
            operation.whenComplete((ignored, error) -> {
                completed(error);
                if (!state.compareAndSet(REGISTERING, COMPLETED_INLINE)) {
                    drive();
                }
            });
            if (state.compareAndSet(REGISTERING, WAITING)) {
                return;
            }
        }
    }
}
