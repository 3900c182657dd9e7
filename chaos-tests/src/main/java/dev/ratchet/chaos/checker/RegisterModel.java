package dev.ratchet.chaos.checker;

import dev.ratchet.chaos.history.Op;
import java.util.Objects;
import java.util.Optional;

/**
 * One Ratchet key as a sequential object: get, put, compare-and-set and delete, with the versions
 * the cluster issues (kv.proto).
 *
 * <p>A key's versions come from its tablet's counter, so they grow with every write to the key but
 * not by one: a write's version must be above the version before it, and a read must return the
 * version of the value it returns. A delete consumes a version too, which the answer does not
 * show, so after a delete only the floor is known. A write whose outcome is unknown leaves its
 * value with an unknown version above the floor ({@code exact = false}); the first read of it
 * pins the version.
 *
 * <p>A compare-and-set that did not swap answers with the current value and version (or absent),
 * so it is checked as a read that must not have matched.
 */
final class RegisterModel implements Model<RegisterModel.State> {
    /**
     * The key's state.
     *
     * @param present whether the key has a value
     * @param value the value, or null when absent
     * @param version the value's version when {@code exact}; otherwise (after an unknown write or a
     *     delete) only a floor the next version is above
     * @param exact whether {@code version} is the value's version rather than a floor
     */
    record State(boolean present, String value, long version, boolean exact) {
        static final State EMPTY = new State(false, null, 0, false);
    }

    @Override
    public State initial() {
        return State.EMPTY;
    }

    @Override
    public Optional<State> step(State state, Operation op) {
        Op invoke = op.invoke();
        Op done = op.completion();
        return switch (op.f()) {
            case "get" -> done == null ? Optional.of(state) : read(state, done.value(), done.version());
            case "put" -> write(state, invoke.value(), done == null ? null : done.version());
            case "cas" -> cas(state, invoke, done);
            case "delete" -> delete(state, done);
            default -> throw new IllegalArgumentException("the register model has no operation '" + op.f() + "'");
        };
    }

    /** A read of {@code value} at {@code version} (null value: absent), refining the state. */
    private static Optional<State> read(State state, String value, Long version) {
        if (value == null) {
            return state.present() ? Optional.empty() : Optional.of(state);
        }
        if (!state.present() || !value.equals(state.value()) || version == null || !versionFits(state, version)) {
            return Optional.empty();
        }
        return Optional.of(new State(true, value, version, true));
    }

    private static boolean versionFits(State state, long version) {
        return state.exact() ? version == state.version() : version > state.version();
    }

    /** A write of {@code value} that answered {@code version}, or null if its outcome is unknown. */
    private static Optional<State> write(State state, String value, Long version) {
        Objects.requireNonNull(value, "a write carries its value");
        if (version == null) {
            return Optional.of(new State(true, value, state.version(), false));
        }
        return version > state.version() ? Optional.of(new State(true, value, version, true)) : Optional.empty();
    }

    private static Optional<State> cas(State state, Op invoke, Op done) {
        Op.Expect expect = Objects.requireNonNull(invoke.expect(), "a cas carries its expectation");
        if (done == null || Boolean.TRUE.equals(done.swapped())) {
            if (!matches(state, expect)) {
                return Optional.empty();
            }
            // An expected version pins an unknown one.
            State pinned = expect.kind() == Op.Expect.Kind.VERSION && !state.exact()
                    ? new State(true, state.value(), expect.version(), true)
                    : state;
            return write(pinned, invoke.value(), done == null ? null : done.version());
        }
        // Not swapped: the answer is the current state, which must not have matched.
        Optional<State> current = read(state, done.value(), done.version());
        return current.filter(now -> !matches(now, expect));
    }

    private static boolean matches(State state, Op.Expect expect) {
        return switch (expect.kind()) {
            case ABSENT -> !state.present();
            case VALUE -> state.present() && expect.value().equals(state.value());
            case VERSION -> state.present() && versionFits(state, expect.version());
        };
    }

    private static Optional<State> delete(State state, Op done) {
        if (done == null) {
            return Optional.of(new State(false, null, state.version(), false));
        }
        boolean existed = Boolean.TRUE.equals(done.existed());
        if (existed != state.present()) {
            return Optional.empty();
        }
        return Optional.of(existed ? new State(false, null, state.version(), false) : state);
    }
}
