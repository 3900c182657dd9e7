package dev.ratchet.chaos.checker;

import dev.ratchet.chaos.history.Op;
import dev.ratchet.chaos.history.OpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The set workload's checker (Jepsen's set): unique elements added to set keys, then one final
 * read of each key after the faults healed. Per key, against its final read:
 *
 * <ul>
 *   <li><b>lost</b>: an add acknowledged ok that the final read lacks (the promise broken);
 *   <li><b>unexpected</b>: an element in the read that no add ever attempted;
 *   <li><b>duplicated</b>: an element the read holds twice (an add applied twice);
 *   <li><b>recovered</b>: an add of unknown outcome that the read shows, which is allowed.
 * </ul>
 *
 * <p>Adds are {@code f = add} (invoke: key, value = the element); final reads are {@code f =
 * read} (ok: value = the elements joined by commas, in the stored order). A key whose final read
 * did not answer makes the verdict UNKNOWN: nothing can be said of its adds.
 */
public final class SetCheck {
    /** The answer, with each kind of element counted and the first few of each listed. */
    public record Result(
            Verdict verdict,
            long acknowledged,
            long lost,
            long unexpected,
            long duplicated,
            long recovered,
            List<String> details) {
        public Result {
            details = List.copyOf(details);
        }
    }

    private static final int DETAILS_MAX = 20;

    private SetCheck() {}

    public static Result check(List<Op> history) {
        Map<String, Map<String, OpType>> adds = new LinkedHashMap<>();
        Map<String, List<String>> finalReads = new HashMap<>();
        Map<Integer, Op> open = new HashMap<>();
        for (Op op : history) {
            if (op.nemesis()) {
                continue;
            }
            if (op.type() == OpType.INVOKE) {
                open.put(op.process(), op);
                if (op.f().equals("add")) {
                    adds.computeIfAbsent(op.key(), k -> new LinkedHashMap<>()).putIfAbsent(op.value(), OpType.INFO);
                }
                continue;
            }
            Op invoke = open.remove(op.process());
            if (invoke == null) {
                throw new IllegalArgumentException(
                        "process " + op.process() + " completed at seq " + op.seq() + " without an invocation");
            }
            if (invoke.f().equals("add")) {
                adds.get(invoke.key()).put(invoke.value(), op.type());
            } else if (invoke.f().equals("read") && op.type() == OpType.OK) {
                finalReads.put(invoke.key(), elements(op.value()));
            }
        }
        long acknowledged = 0;
        long lost = 0;
        long unexpected = 0;
        long duplicated = 0;
        long recovered = 0;
        boolean unread = false;
        List<String> details = new ArrayList<>();
        for (Map.Entry<String, Map<String, OpType>> key : adds.entrySet()) {
            List<String> read = finalReads.get(key.getKey());
            if (read == null) {
                unread = true;
                note(details, "key " + key.getKey() + ": no final read answered");
                continue;
            }
            Set<String> present = new HashSet<>();
            Set<String> twice = new TreeSet<>();
            for (String element : read) {
                if (!present.add(element)) {
                    twice.add(element);
                }
            }
            duplicated += twice.size();
            twice.forEach(element -> note(details, "key " + key.getKey() + ": " + element + " is there twice"));
            for (Map.Entry<String, OpType> add : key.getValue().entrySet()) {
                boolean there = present.contains(add.getKey());
                if (add.getValue() == OpType.OK) {
                    acknowledged++;
                    if (!there) {
                        lost++;
                        note(details, "key " + key.getKey() + ": acknowledged " + add.getKey() + " is lost");
                    }
                } else if (there && add.getValue() == OpType.INFO) {
                    recovered++;
                } else if (there && add.getValue() == OpType.FAIL) {
                    unexpected++;
                    note(details, "key " + key.getKey() + ": " + add.getKey() + " failed, yet it is there");
                }
            }
            for (String element : present) {
                if (!key.getValue().containsKey(element)) {
                    unexpected++;
                    note(details, "key " + key.getKey() + ": " + element + " was never added");
                }
            }
        }
        Verdict verdict =
                lost + unexpected + duplicated > 0 ? Verdict.INVALID : unread ? Verdict.UNKNOWN : Verdict.VALID;
        return new Result(verdict, acknowledged, lost, unexpected, duplicated, recovered, details);
    }

    /** The elements a read's value lists, in order; an absent or empty value is the empty set. */
    public static List<String> elements(String value) {
        if (value == null || value.isEmpty()) {
            return List.of();
        }
        return List.of(value.split(","));
    }

    private static void note(List<String> details, String detail) {
        if (details.size() < DETAILS_MAX) {
            details.add(detail);
        }
    }
}
