package dev.ratchet.chaos.checker;

import dev.ratchet.chaos.history.Op;
import dev.ratchet.chaos.history.OpType;
import java.util.List;

/**
 * No operation may fail UNREADABLE: the cluster's DATA_LOSS answer, "more shards are bad than the
 * code can correct". Every nemesis stays within the fault budget (at most m sector servers faulty
 * at once), so the array must always decode around the bad ones; an UNREADABLE answer in a run is
 * data the cluster promised to keep and could not produce, even if it never served a wrong value.
 */
public final class UnreadableCheck {
    /** The error code's name as the workloads record it ({@code CODE: detail}). */
    static final String CODE = "UNREADABLE";

    private static final int EXAMPLES_MAX = 10;

    /**
     * What the check found.
     *
     * @param verdict INVALID if any operation failed UNREADABLE
     * @param unreadable how many did
     * @param examples the first few, as history lines' key and error
     */
    public record Result(Verdict verdict, long unreadable, List<String> examples) {}

    private UnreadableCheck() {}

    /** Checks {@code history}. */
    public static Result check(List<Op> history) {
        List<Op> failed = history.stream()
                .filter(op -> !op.nemesis() && op.type() != OpType.INVOKE)
                .filter(op -> op.error() != null && op.error().startsWith(CODE + ":"))
                .toList();
        List<String> examples = failed.stream()
                .limit(EXAMPLES_MAX)
                .map(op -> op.f() + " " + op.key() + " by process " + op.process() + ": " + op.error())
                .toList();
        return new Result(failed.isEmpty() ? Verdict.VALID : Verdict.INVALID, failed.size(), examples);
    }
}
