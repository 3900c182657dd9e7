package dev.ratchet.chaos.checker;

import dev.ratchet.chaos.history.Op;
import dev.ratchet.chaos.history.OpType;
import java.util.ArrayList;
import java.util.List;

/** Builds hand-made histories for checker tests: each call is the next event in real time. */
final class Histories {
    private final List<Op> ops = new ArrayList<>();
    private long seq;

    List<Op> ops() {
        return List.copyOf(ops);
    }

    Histories invokePut(int process, String key, String value) {
        return add(op(process, OpType.INVOKE, "put", key, value, null, null, null, null));
    }

    Histories invokeGet(int process, String key) {
        return add(op(process, OpType.INVOKE, "get", key, null, null, null, null, null));
    }

    Histories invokeCas(int process, String key, Op.Expect expect, String value) {
        return add(op(process, OpType.INVOKE, "cas", key, value, null, expect, null, null));
    }

    Histories invokeDelete(int process, String key) {
        return add(op(process, OpType.INVOKE, "delete", key, null, null, null, null, null));
    }

    Histories okPut(int process, String key, long version) {
        return add(op(process, OpType.OK, "put", key, null, version, null, null, null));
    }

    /** A get that answered {@code value} at {@code version}, or absent for a null value. */
    Histories okGet(int process, String key, String value, Long version) {
        return add(op(process, OpType.OK, "get", key, value, version, null, null, null));
    }

    Histories okCasSwapped(int process, String key, long version) {
        return add(op(process, OpType.OK, "cas", key, null, version, null, true, null));
    }

    /** A cas that did not swap, answering the current value and version (null value: absent). */
    Histories okCasNotSwapped(int process, String key, String current, Long version) {
        return add(op(process, OpType.OK, "cas", key, current, version, null, false, null));
    }

    Histories okDelete(int process, String key, boolean existed) {
        return add(op(process, OpType.OK, "delete", key, null, null, null, null, existed));
    }

    Histories info(int process, String f, String key) {
        return add(op(process, OpType.INFO, f, key, null, null, null, null, null));
    }

    Histories fail(int process, String f, String key) {
        return add(op(process, OpType.FAIL, f, key, null, null, null, null, null));
    }

    /** Sequential shorthand: a put of {@code value} that answered {@code version}. */
    Histories put(int process, String key, String value, long version) {
        return invokePut(process, key, value).okPut(process, key, version);
    }

    /** Sequential shorthand: a get that answered {@code value} at {@code version}. */
    Histories get(int process, String key, String value, Long version) {
        return invokeGet(process, key).okGet(process, key, value, version);
    }

    private Histories add(Op op) {
        ops.add(op);
        return this;
    }

    private Op op(
            int process,
            OpType type,
            String f,
            String key,
            String value,
            Long version,
            Op.Expect expect,
            Boolean swapped,
            Boolean existed) {
        seq++;
        return new Op(
                seq,
                seq * 1_000,
                process,
                type,
                f,
                key,
                value,
                version,
                expect,
                swapped,
                existed,
                "n1",
                type == OpType.INFO || type == OpType.FAIL ? "timeout" : null);
    }
}
