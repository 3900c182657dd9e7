package dev.ratchet.chaos.checker;

import java.util.Optional;

/**
 * A sequential specification: the state of one object and what each operation may do to it.
 *
 * <p>States must be immutable values with {@code equals} and {@code hashCode}: the search caches
 * (linearized set, state) pairs it has seen. An operation whose outcome is unknown is applied as if
 * it took effect; that it never did is covered by leaving it out of the order.
 *
 * @param <S> the state
 */
interface Model<S> {
    /** The state before any operation. */
    S initial();

    /**
     * Applies {@code op} to {@code state}: the next state if the operation, with its recorded
     * outputs, is legal there, else empty.
     */
    Optional<S> step(S state, Operation op);
}
