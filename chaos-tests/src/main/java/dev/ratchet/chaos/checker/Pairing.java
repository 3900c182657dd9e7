package dev.ratchet.chaos.checker;

import dev.ratchet.chaos.history.Op;
import dev.ratchet.chaos.history.OpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a history's lines into operations per key, as the linearizability search needs them
 * (chaos-design.md §2.7): each invocation paired with its process's next completion; {@code fail}
 * operations dropped (they certainly did nothing); reads that did not answer {@code ok} dropped
 * (a read that may have happened changes nothing); writes ended by {@code info}, or not ended at
 * all, kept with their return at infinity. Nemesis events are skipped.
 */
final class Pairing {
    private Pairing() {}

    /**
     * Returns the operations of {@code history} grouped by key, in order of first appearance, each
     * numbered from 0 within its key.
     *
     * @throws IllegalArgumentException if a process completes without an invocation, invokes twice
     *     in a row, or completes with another operation or key than it invoked
     */
    static Map<String, List<Operation>> byKey(List<Op> history) {
        Map<Integer, Op> open = new HashMap<>();
        Map<String, List<Operation>> keys = new LinkedHashMap<>();
        for (Op op : history) {
            if (op.nemesis()) {
                continue;
            }
            if (op.type() == OpType.INVOKE) {
                Op before = open.put(op.process(), op);
                if (before != null) {
                    throw new IllegalArgumentException("process " + op.process() + " invoked at seq " + op.seq()
                            + " before its op at seq " + before.seq() + " completed");
                }
                continue;
            }
            Op invoke = open.remove(op.process());
            if (invoke == null) {
                throw new IllegalArgumentException(
                        "process " + op.process() + " completed at seq " + op.seq() + " without an invocation");
            }
            if (!invoke.f().equals(op.f()) || !invoke.key().equals(op.key())) {
                throw new IllegalArgumentException("the completion at seq " + op.seq() + " is " + op.f() + " "
                        + op.key() + ", but process " + op.process() + " invoked " + invoke.f() + " " + invoke.key());
            }
            add(keys, invoke, op);
        }
        for (Op invoke : open.values()) {
            add(keys, invoke, null);
        }
        // Numbered in call order, so the ids are stable whatever order the open ones came in.
        Map<String, List<Operation>> numbered = new LinkedHashMap<>();
        for (Map.Entry<String, List<Operation>> key : keys.entrySet()) {
            List<Operation> ops = new ArrayList<>(key.getValue());
            ops.sort((a, b) -> Long.compare(a.callSeq(), b.callSeq()));
            List<Operation> renumbered = new ArrayList<>(ops.size());
            for (Operation op : ops) {
                renumbered.add(
                        new Operation(renumbered.size(), op.invoke(), op.completion(), op.callSeq(), op.returnSeq()));
            }
            numbered.put(key.getKey(), List.copyOf(renumbered));
        }
        return numbered;
    }

    private static void add(Map<String, List<Operation>> keys, Op invoke, Op completion) {
        boolean read = invoke.f().equals("get");
        boolean ok = completion != null && completion.type() == OpType.OK;
        if (completion != null && completion.type() == OpType.FAIL) {
            return;
        }
        if (read && !ok) {
            return;
        }
        Op known = ok ? completion : null;
        keys.computeIfAbsent(invoke.key(), k -> new ArrayList<>())
                .add(new Operation(-1, invoke, known, invoke.seq(), known == null ? Long.MAX_VALUE : known.seq()));
    }
}
