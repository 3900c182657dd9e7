package dev.ratchet.raft;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** How many calls and requests a node's interceptors refused, by refusal code. Thread-safe. */
final class RefusalCounts {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void record(String code) {
        counts.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    /** Returns every non-zero count, by code, in code order. */
    Map<String, Long> snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((code, count) -> copy.put(code, count.sum()));
        return copy;
    }
}
