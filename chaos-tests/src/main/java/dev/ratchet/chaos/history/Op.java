package dev.ratchet.chaos.history;

import java.util.Objects;

/**
 * One line of a history: a client operation's invocation or completion, or a nemesis event.
 *
 * <p>Times are the harness's own: {@code seq} is one process-wide counter taken before a request
 * is sent and after its answer arrived, so it orders every event in real time; {@code timeNanos}
 * is a monotonic clock since the run began, for plots. Node clocks never enter a history, so a
 * clock nemesis cannot corrupt it.
 *
 * @param seq the event's place in real time, unique and increasing
 * @param timeNanos monotonic nanoseconds since the run began
 * @param process the logical client process (a fresh one after each {@code INFO}), or {@link
 *     #NEMESIS}
 * @param type invoke, ok, fail or info
 * @param f the operation: {@code get}, {@code put}, {@code cas}, {@code delete}, or a nemesis
 *     event's name
 * @param key the key, or null for a nemesis event
 * @param value the value written (invoke of put and cas), or read (ok of get; ok of a cas that did
 *     not swap, the current value); null for absent
 * @param version the version written (ok of put, or of a cas that swapped) or read (ok of get, or
 *     of a cas that did not swap, the current version); null if none or unknown
 * @param expect a cas's expectation (invoke), else null
 * @param swapped on the ok of a cas: whether it swapped; else null
 * @param existed on the ok of a delete: whether the key existed; else null
 * @param node the cache node (or server) the operation went to, if known
 * @param error why it failed or is unknown, for fail and info
 */
public record Op(
        long seq,
        long timeNanos,
        int process,
        OpType type,
        String f,
        String key,
        String value,
        Long version,
        Expect expect,
        Boolean swapped,
        Boolean existed,
        String node,
        String error) {
    /** The process number of nemesis events. */
    public static final int NEMESIS = -1;

    /** A compare-and-set's expectation: exactly one of its three kinds. */
    public record Expect(Kind kind, Long version, String value) {
        /** What the current state is compared with. */
        public enum Kind {
            VERSION,
            VALUE,
            ABSENT
        }

        public Expect {
            Objects.requireNonNull(kind, "kind");
            if ((kind == Kind.VERSION) != (version != null) || (kind == Kind.VALUE) != (value != null)) {
                throw new IllegalArgumentException("a " + kind + " expectation carries exactly its own field");
            }
        }

        public static Expect version(long version) {
            return new Expect(Kind.VERSION, version, null);
        }

        public static Expect value(String value) {
            return new Expect(Kind.VALUE, null, value);
        }

        public static Expect absent() {
            return new Expect(Kind.ABSENT, null, null);
        }
    }

    public Op {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(f, "f");
    }

    /** Returns whether this line is a nemesis event rather than a client operation's. */
    public boolean nemesis() {
        return process == NEMESIS;
    }
}
