package dev.ratchet.chaos.checker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Decides whether one object's sub-history is linearizable: Wing and Gong's search with Lowe's
 * cache of (linearized set, state) pairs (Lowe, "Testing for linearizability", 2017), the
 * algorithm of Porcupine and of Knossos's WGL. Pure and single-threaded; the clock for the budget
 * is passed in.
 *
 * <p>Calls and returns form a doubly linked list in real-time order (calls before returns at equal
 * times; returns of indeterminate operations at infinity, last). The search takes the first call
 * whose operation the model accepts in the current state and has not been seen with this set,
 * lifts its call and return out of the list, and starts again from the head; meeting a return
 * means that operation ended before anything let it be placed, so the last choice is undone.
 * When only operations that returned at infinity are left, they are the ones that never took
 * effect, and the history is linearizable. An empty choice stack at a return is a proof that it
 * is not.
 */
final class LinearizabilitySearch {
    /** How many search steps pass between two looks at the clock. */
    private static final int STEPS_PER_CLOCK_CHECK = 4096;

    /** Limits on one search: it answers UNKNOWN rather than run past either. */
    record Budget(long stepsMax, long cacheEntriesMax, long deadlineNanos, LongSupplier nanoClock) {}

    /** The search's answer, with its evidence when the history is not linearizable. */
    record Outcome(
            Verdict verdict,
            String detail,
            List<Operation> longestLinearized,
            Operation stuckAt,
            long steps,
            long cacheEntries) {}

    private static final class Entry {
        final Operation op;
        final boolean call;
        final long time;
        Entry match;
        Entry prev;
        Entry next;

        Entry(Operation op, boolean call, long time) {
            this.op = op;
            this.call = call;
            this.time = time;
        }
    }

    private record Seen<S>(BitSet linearized, S state) {}

    private record Choice<S>(Entry call, S stateBefore) {}

    private LinearizabilitySearch() {}

    static <S> Outcome run(List<Operation> ops, Model<S> model, Budget budget) {
        Entry head = link(ops);
        int finiteLeft = (int) ops.stream().filter(op -> !op.indeterminate()).count();
        S state = model.initial();
        BitSet linearized = new BitSet(ops.size());
        Set<Seen<S>> seen = new HashSet<>();
        Deque<Choice<S>> stack = new ArrayDeque<>();
        List<Operation> longest = List.of();
        Operation stuckAt = null;
        long steps = 0;
        Entry entry = head.next;
        while (finiteLeft > 0) {
            steps++;
            if (steps > budget.stepsMax() || seen.size() > budget.cacheEntriesMax()) {
                return unknown("the search budget ran out", longest, stuckAt, steps, seen.size());
            }
            if (steps % STEPS_PER_CLOCK_CHECK == 0 && budget.nanoClock().getAsLong() - budget.deadlineNanos() > 0) {
                return unknown("the search ran out of time", longest, stuckAt, steps, seen.size());
            }
            if (entry.call) {
                Optional<S> next = model.step(state, entry.op);
                if (next.isPresent()) {
                    BitSet with = (BitSet) linearized.clone();
                    with.set(entry.op.id());
                    if (seen.add(new Seen<>(with, next.get()))) {
                        stack.push(new Choice<>(entry, state));
                        state = next.get();
                        linearized = with;
                        lift(entry);
                        if (!entry.op.indeterminate()) {
                            finiteLeft--;
                        }
                        entry = head.next;
                        continue;
                    }
                }
                entry = entry.next;
            } else {
                // A return before its call could be placed: undo the last choice.
                if (stack.size() >= longest.size()) {
                    List<Operation> placed = new ArrayList<>(stack.size());
                    stack.descendingIterator().forEachRemaining(choice -> placed.add(choice.call().op));
                    longest = placed;
                    stuckAt = entry.op;
                }
                if (stack.isEmpty()) {
                    // Every order was tried. The deepest one shows where it breaks: the longest
                    // prefix explained, and the operation that ended before it could be placed.
                    return new Outcome(
                            Verdict.INVALID,
                            "no order of the operations explains " + stuckAt + " after " + longest.size()
                                    + " placed operations",
                            longest,
                            stuckAt,
                            steps,
                            seen.size());
                }
                Choice<S> undone = stack.pop();
                state = undone.stateBefore();
                linearized.clear(undone.call().op.id());
                unlift(undone.call());
                if (!undone.call().op.indeterminate()) {
                    finiteLeft++;
                }
                entry = undone.call().next;
            }
        }
        return new Outcome(Verdict.VALID, "", List.of(), null, steps, seen.size());
    }

    private static Outcome unknown(
            String why, List<Operation> longest, Operation stuckAt, long steps, long cacheEntries) {
        return new Outcome(Verdict.UNKNOWN, why, longest, stuckAt, steps, cacheEntries);
    }

    /** Builds the list of calls and returns, in real-time order, behind a head and before a tail sentinel. */
    private static Entry link(List<Operation> ops) {
        List<Entry> entries = new ArrayList<>(2 * ops.size());
        for (Operation op : ops) {
            Entry call = new Entry(op, true, op.callSeq());
            Entry ret = new Entry(op, false, op.returnSeq());
            call.match = ret;
            ret.match = call;
            entries.add(call);
            entries.add(ret);
        }
        // Closed intervals: at equal times a call comes first, so the two overlap.
        entries.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> !e.call));
        Entry head = new Entry(null, false, Long.MIN_VALUE);
        Entry tail = new Entry(null, false, Long.MAX_VALUE);
        Entry last = head;
        for (Entry e : entries) {
            last.next = e;
            e.prev = last;
            last = e;
        }
        last.next = tail;
        tail.prev = last;
        return head;
    }

    /** Takes a call and its return out of the list; they keep their neighbours for {@link #unlift}. */
    private static void lift(Entry call) {
        call.prev.next = call.next;
        call.next.prev = call.prev;
        Entry ret = call.match;
        ret.prev.next = ret.next;
        ret.next.prev = ret.prev;
    }

    /** Puts back what {@link #lift} took out, in the reverse order. */
    private static void unlift(Entry call) {
        Entry ret = call.match;
        ret.prev.next = ret;
        ret.next.prev = ret;
        call.prev.next = call;
        call.next.prev = call;
    }
}
