package dev.ratchet.chaos.report;

import dev.ratchet.chaos.history.Op;
import dev.ratchet.chaos.history.OpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A history as the report draws it: each client operation as a span from its invocation to its
 * completion, and each nemesis as a band from its start event to its stop event.
 *
 * @param spans the operations in invocation order
 * @param bands the times a nemesis was active, in order
 * @param endNanos the last event's time
 */
record Timeline(List<Span> spans, List<Band> bands, long endNanos) {
    /**
     * One operation.
     *
     * @param outcome ok, fail or info; null if the history ends before it completed
     */
    record Span(int process, long startNanos, long endNanos, OpType outcome, Op invoke, Op completion) {
        String describe() {
            StringBuilder text = new StringBuilder()
                    .append("p")
                    .append(process)
                    .append(' ')
                    .append(invoke.f())
                    .append(' ')
                    .append(invoke.key());
            if (invoke.value() != null) {
                text.append(" value=").append(invoke.value());
            }
            if (invoke.expect() != null) {
                text.append(" expect=").append(invoke.expect());
            }
            text.append(String.format(Locale.ROOT, " %.1f ms: ", (endNanos - startNanos) / 1e6));
            if (completion == null) {
                return text.append("never completed").toString();
            }
            text.append(outcome.name().toLowerCase(Locale.ROOT));
            if (completion.value() != null) {
                text.append(" value=").append(completion.value());
            }
            if (completion.version() != null) {
                text.append(" version=").append(completion.version());
            }
            if (completion.error() != null) {
                text.append(" error=").append(completion.error());
            }
            return text.toString();
        }
    }

    /** A nemesis's active time. */
    record Band(String name, long startNanos, long endNanos) {}

    /**
     * Pairs each process's invocation with its next completion (a process runs one operation at a
     * time), and each nemesis start with the next stop; what is still open ends with the history.
     */
    static Timeline of(List<Op> history) {
        long end = history.isEmpty() ? 0 : history.get(history.size() - 1).timeNanos();
        for (Op op : history) {
            end = Math.max(end, op.timeNanos());
        }
        List<Span> spans = new ArrayList<>();
        Map<Integer, Integer> open = new HashMap<>();
        List<Band> bands = new ArrayList<>();
        Op started = null;
        for (Op op : history) {
            if (op.nemesis()) {
                if (op.f().startsWith("start-")) {
                    started = op;
                } else if (op.f().startsWith("stop-") && started != null) {
                    bands.add(new Band(started.f().substring("start-".length()), started.timeNanos(), op.timeNanos()));
                    started = null;
                }
                continue;
            }
            if (op.type() == OpType.INVOKE) {
                open.put(op.process(), spans.size());
                spans.add(new Span(op.process(), op.timeNanos(), end, null, op, null));
            } else {
                Integer index = open.remove(op.process());
                if (index != null) {
                    Span invoked = spans.get(index);
                    spans.set(
                            index,
                            new Span(
                                    invoked.process(),
                                    invoked.startNanos(),
                                    op.timeNanos(),
                                    op.type(),
                                    invoked.invoke(),
                                    op));
                }
            }
        }
        if (started != null) {
            bands.add(new Band(started.f().substring("start-".length()), started.timeNanos(), end));
        }
        return new Timeline(List.copyOf(spans), List.copyOf(bands), end);
    }
}
