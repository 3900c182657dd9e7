package dev.ratchet.client;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One logical operation and its attempts: bounded, with backoff, each retry to the next cache node
 * in the routing order, and always the same request (so the same request id).
 *
 * <p>Attempt {@code i} (from 1) goes to {@code order[(i - 1) mod n]}: a retry always moves on, so a
 * dead, overloaded or not-serving node costs one attempt, and a write whose outcome is unknown is
 * settled wherever the next attempt lands (request ids are remembered cluster-wide). A code that is
 * not {@link ErrorCode#retryable()} ends the operation at once.
 *
 * <p>A write that may have been applied by any attempt ends as {@link ErrorCode#OUTCOME_UNKNOWN}
 * unless a later attempt succeeds, whatever the last attempt's code: a code that alone would mean
 * "not applied" (NOT_SERVING, STORAGE_FULL, a refused handshake) speaks only for its own attempt,
 * and the earlier one may still have landed.
 *
 * <p>A write carries {@code issued_at_tick}: the store clock when the operation started, the same
 * on every attempt, so the cluster can refuse (REQUEST_TOO_OLD) a retry that its tablet's
 * idempotency window no longer covers instead of applying it twice. Such a refusal after an
 * attempt that may have landed ends the operation as OUTCOME_UNKNOWN. If no attempt so far can
 * have landed, nothing was ever applied, so the stamp may be renewed: the operation takes the
 * newer clock the refusal brought and tries again (it counts as an attempt); if the clock did not
 * move, it ends with REQUEST_TOO_OLD. Runs on gRPC and scheduler
 * threads; at most one attempt is in flight, so the fields need no lock beyond the happens-before
 * edges of the futures and the scheduler.
 */
final class Operation<T> {
    private final List<CacheNode> nodes;
    private final List<Integer> order;
    private final KvFailures.CallKind kind;
    private final int maxAttempts;
    private final Backoff backoff;
    private final ScheduledExecutorService scheduler;
    private final Attempt<T> call;
    private final LongSupplier storeClock;
    private final Consumer<CacheNode> onNodeFailure;
    private final CompletableFuture<T> result = new CompletableFuture<>();

    // Written by one attempt's completion before the next attempt is scheduled.
    private int attempts;
    private boolean maybeApplied;
    private long issuedAtTicks;

    /** Sends one attempt to a node, stamped with {@code issuedAtTicks} if it is a write. */
    @FunctionalInterface
    interface Attempt<T> {
        CompletableFuture<T> send(CacheNode node, long issuedAtTicks);
    }

    Operation(
            List<CacheNode> nodes,
            List<Integer> order,
            KvFailures.CallKind kind,
            int maxAttempts,
            Backoff backoff,
            ScheduledExecutorService scheduler,
            LongSupplier storeClock,
            Attempt<T> call,
            Consumer<CacheNode> onNodeFailure) {
        if (order.isEmpty() || maxAttempts < 1) {
            throw new IllegalArgumentException("an operation needs a route and at least one attempt");
        }
        this.nodes = nodes;
        this.order = order;
        this.kind = kind;
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
        this.scheduler = scheduler;
        this.storeClock = storeClock;
        this.call = call;
        this.onNodeFailure = onNodeFailure;
    }

    /** Starts the first attempt and returns the operation's result. */
    CompletableFuture<T> start() {
        issuedAtTicks = storeClock.getAsLong();
        attempt();
        return result;
    }

    private void attempt() {
        if (result.isDone()) {
            return; // cancelled by the caller
        }
        CacheNode node = nodes.get(order.get(attempts % order.size()));
        attempts++;
        CompletableFuture<T> reply;
        try {
            reply = call.send(node, issuedAtTicks);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((value, failure) -> {
            if (failure == null) {
                result.complete(value);
            } else {
                failed(node, failure instanceof CompletionException ? failure.getCause() : failure);
            }
        });
    }

    private void failed(CacheNode node, Throwable failure) {
        RatchetException error = KvFailures.fromThrowable(failure, kind, node.endpoint());
        if (kind == KvFailures.CallKind.WRITE && error.outcomeUnknown()) {
            maybeApplied = true;
        }
        if (error.code() != ErrorCode.OVERLOADED && error.retryable()) {
            onNodeFailure.accept(node);
        }
        if (error.code() == ErrorCode.REQUEST_TOO_OLD && !maybeApplied && attempts < maxAttempts) {
            long fresh = storeClock.getAsLong();
            if (fresh > issuedAtTicks) {
                // Nothing was ever applied (every attempt so far was refused before it could land),
                // so a new stamp cannot make the write apply twice.
                issuedAtTicks = fresh;
                attempt();
                return;
            }
        }
        if (!error.retryable() || attempts >= maxAttempts) {
            result.completeExceptionally(finalError(error));
            return;
        }
        try {
            scheduler.schedule(this::attempt, backoff.delayNanos(attempts), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(finalError(new RatchetException(
                    ErrorCode.UNAVAILABLE, "the client was closed before attempt " + (attempts + 1), e)));
        }
    }

    private RatchetException finalError(RatchetException last) {
        String attemptsDetail = " (attempt " + attempts + " of at most " + maxAttempts + ")";
        if (maybeApplied && !last.outcomeUnknown()) {
            return new RatchetException(
                    ErrorCode.OUTCOME_UNKNOWN,
                    "an earlier attempt may have applied the write, and the last failed: " + last.getMessage()
                            + attemptsDetail,
                    last);
        }
        return new RatchetException(last.code(), last.detail() + attemptsDetail, last.getCause());
    }
}
