package dev.ratchet.chaos.checker;

import dev.ratchet.chaos.history.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The linearizability checker for register histories: splits the history per key (a history is
 * linearizable iff each key's is; Herlihy and Wing) and searches each with {@link RegisterModel}.
 * A key whose search exceeds the budget is UNKNOWN, never VALID.
 */
public final class Linearizability {
    /**
     * Limits on each key's search.
     *
     * @param stepsPerKeyMax search steps per key
     * @param cacheEntriesPerKeyMax (linearized set, state) pairs remembered per key: the memory bound
     * @param timePerKeyNanos wall time per key, read from {@code nanoClock}
     */
    public record Budget(
            long stepsPerKeyMax, long cacheEntriesPerKeyMax, long timePerKeyNanos, LongSupplier nanoClock) {
        /** 10 million steps, 2 million cache entries and 10 s per key, on the JVM's monotonic clock. */
        public static Budget standard() {
            return new Budget(10_000_000, 2_000_000, 10_000_000_000L, System::nanoTime);
        }
    }

    /**
     * One key's answer.
     *
     * @param key the key
     * @param verdict VALID, INVALID or UNKNOWN
     * @param detail why, for INVALID and UNKNOWN
     * @param operations how many operations the key's sub-history had after pairing
     * @param longestLinearized for INVALID (and UNKNOWN): the longest order the search found that
     *     explains a prefix
     * @param stuckAt the operation that ended before any order could place it, or null
     */
    public record KeyResult(
            String key,
            Verdict verdict,
            String detail,
            int operations,
            List<Operation> longestLinearized,
            Operation stuckAt) {}

    /** The answer for a history: the verdict of all keys together, and each key's. */
    public record Result(Verdict verdict, List<KeyResult> keys) {
        public Result {
            keys = List.copyOf(keys);
        }

        /** Returns the keys that are not VALID. */
        public List<KeyResult> failing() {
            return keys.stream().filter(key -> key.verdict() != Verdict.VALID).toList();
        }
    }

    private Linearizability() {}

    /**
     * Checks {@code history} (every line of a run, in any order of processes; nemesis lines are
     * ignored).
     *
     * @throws IllegalArgumentException if the history is malformed (see {@link Pairing#byKey})
     */
    public static Result check(List<Op> history, Budget budget) {
        Map<String, List<Operation>> keys = Pairing.byKey(history);
        RegisterModel model = new RegisterModel();
        List<KeyResult> results = new ArrayList<>(keys.size());
        Verdict all = Verdict.VALID;
        for (Map.Entry<String, List<Operation>> key : keys.entrySet()) {
            LinearizabilitySearch.Outcome outcome = LinearizabilitySearch.run(
                    key.getValue(),
                    model,
                    new LinearizabilitySearch.Budget(
                            budget.stepsPerKeyMax(),
                            budget.cacheEntriesPerKeyMax(),
                            budget.nanoClock().getAsLong() + budget.timePerKeyNanos(),
                            budget.nanoClock()));
            results.add(new KeyResult(
                    key.getKey(),
                    outcome.verdict(),
                    outcome.detail(),
                    key.getValue().size(),
                    outcome.longestLinearized(),
                    outcome.stuckAt()));
            all = all.and(outcome.verdict());
        }
        return new Result(all, results);
    }
}
