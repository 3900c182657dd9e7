package dev.ratchet.chaos.checker;

import dev.ratchet.chaos.history.Op;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A cheap check beside the search (chaos-design.md §2.8), in O(n log n) per key, for histories
 * whose writes carry unique values: per key, versions only grow along real time, and every read
 * returns a value some write wrote, at the version that write got.
 *
 * <ul>
 *   <li>One version, one value: two different values answered at one version are a fork.
 *   <li>One value, one version: a value seen at two versions was applied twice.
 *   <li>No phantoms: a read's value must be one a write (acknowledged or of unknown outcome)
 *       wrote; an acknowledged write pins the version the read must show.
 *   <li>Real time: if A ended before B began, B's version is at least A's, and above it if B
 *       wrote.
 * </ul>
 *
 * <p>It needs no search and so never runs out of budget, but it sees less than {@link
 * Linearizability}: a read of an old value at its old version after a newer write is caught only
 * by the real-time rule's ordering of versions, not by reasoning about states.
 */
public final class VersionOrder {
    /** The answer: VALID or INVALID, with each violation found. */
    public record Result(Verdict verdict, List<String> violations) {
        public Result {
            violations = List.copyOf(violations);
        }
    }

    private record Versioned(Operation op, long version, boolean write) {}

    private VersionOrder() {}

    /**
     * Checks {@code history}.
     *
     * @throws IllegalArgumentException if the history is malformed, or two writes of one key
     *     carry the same value (the check needs unique values)
     */
    public static Result check(List<Op> history) {
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, List<Operation>> key : Pairing.byKey(history).entrySet()) {
            checkKey(key.getKey(), key.getValue(), violations);
        }
        return new Result(violations.isEmpty() ? Verdict.VALID : Verdict.INVALID, violations);
    }

    private static void checkKey(String key, List<Operation> ops, List<String> violations) {
        Map<String, Operation> writerOf = new HashMap<>();
        for (Operation op : ops) {
            if (writes(op)) {
                Operation before = writerOf.put(op.invoke().value(), op);
                if (before != null) {
                    throw new IllegalArgumentException("key " + key + ": value "
                            + op.invoke().value() + " is written twice; the version-order check needs unique values");
                }
            }
        }
        Map<Long, String> valueAt = new HashMap<>();
        Map<String, Long> versionOf = new HashMap<>();
        List<Versioned> versioned = new ArrayList<>();
        for (Operation op : ops) {
            if (op.indeterminate()) {
                continue;
            }
            Op done = op.completion();
            boolean write = writes(op) && (!op.f().equals("cas") || Boolean.TRUE.equals(done.swapped()));
            String value = write ? op.invoke().value() : done.value();
            if (value == null || done.version() == null) {
                continue; // absent, or a delete: no version to check
            }
            long version = done.version();
            if (!write) {
                Operation writer = writerOf.get(value);
                if (writer == null) {
                    violations.add("key " + key + ": " + op + " read " + value + ", which no write wrote");
                    continue;
                }
            }
            String other = valueAt.putIfAbsent(version, value);
            if (other != null && !other.equals(value)) {
                violations.add("key " + key + ": version " + version + " holds both " + other + " and " + value + " ("
                        + op + ")");
            }
            Long seenAt = versionOf.putIfAbsent(value, version);
            if (seenAt != null && seenAt != version) {
                violations.add("key " + key + ": value " + value + " is at versions " + seenAt + " and " + version
                        + " (" + op + "): applied twice or misread");
            }
            versioned.add(new Versioned(op, version, write));
        }
        checkRealTime(key, versioned, violations);
    }

    /** If A ended before B began, B's version is at least A's, and above it if B is a write. */
    private static void checkRealTime(String key, List<Versioned> ops, List<String> violations) {
        List<Versioned> byReturn = new ArrayList<>(ops);
        byReturn.sort(Comparator.comparingLong(v -> v.op().returnSeq()));
        List<Versioned> byCall = new ArrayList<>(ops);
        byCall.sort(Comparator.comparingLong(v -> v.op().callSeq()));
        Versioned highest = null;
        int next = 0;
        for (Versioned b : byCall) {
            while (next < byReturn.size() && byReturn.get(next).op().returnSeq() < b.op().callSeq()) {
                Versioned a = byReturn.get(next++);
                if (highest == null || a.version() > highest.version()) {
                    highest = a;
                }
            }
            if (highest == null) {
                continue;
            }
            if (b.version() < highest.version() || (b.write() && b.version() == highest.version())) {
                violations.add("key " + key + ": " + b.op() + " has version " + b.version() + ", but " + highest.op()
                        + " ended before it began, at version " + highest.version());
            }
        }
    }

    private static boolean writes(Operation op) {
        return op.f().equals("put") || op.f().equals("cas");
    }
}
