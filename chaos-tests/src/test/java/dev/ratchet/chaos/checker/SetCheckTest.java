package dev.ratchet.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.chaos.history.Op;
import dev.ratchet.chaos.history.OpType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The set checker on hand-made histories: lost, unexpected, duplicated and recovered elements. */
class SetCheckTest {
    private final List<Op> ops = new ArrayList<>();

    @Test
    void everyAcknowledgedElementThere_isValid_andUnknownOnesMayBeThere() {
        add(1, "s", "a", OpType.OK);
        add(2, "s", "b", OpType.INFO);
        add(3, "s", "c", OpType.INFO);
        add(4, "s", "d", OpType.FAIL);
        read("s", "a,b");

        SetCheck.Result result = SetCheck.check(ops);

        assertEquals(Verdict.VALID, result.verdict(), result.details().toString());
        assertEquals(1, result.acknowledged());
        assertEquals(1, result.recovered());
    }

    @Test
    void anAcknowledgedElementMissing_isLost() {
        add(1, "s", "a", OpType.OK);
        add(2, "s", "b", OpType.OK);
        read("s", "b");

        SetCheck.Result result = SetCheck.check(ops);

        assertEquals(Verdict.INVALID, result.verdict());
        assertEquals(1, result.lost());
        assertTrue(
                result.details().get(0).contains("acknowledged a is lost"),
                result.details().toString());
    }

    @Test
    void anElementNobodyAdded_orOneThatFailed_isUnexpected_andOneTwice_isDuplicated() {
        add(1, "s", "a", OpType.OK);
        add(2, "s", "f", OpType.FAIL);
        read("s", "a,a,f,zzz");

        SetCheck.Result result = SetCheck.check(ops);

        assertEquals(Verdict.INVALID, result.verdict());
        assertEquals(2, result.unexpected());
        assertEquals(1, result.duplicated());
    }

    @Test
    void aKeyWithoutAFinalRead_isUnknown() {
        add(1, "s", "a", OpType.OK);
        add(1, "t", "b", OpType.OK);
        read("s", "a");

        assertEquals(Verdict.UNKNOWN, SetCheck.check(ops).verdict());
    }

    @Test
    void anEmptyFinalRead_isTheEmptySet() {
        add(1, "s", "a", OpType.OK);
        read("s", "");

        assertEquals(1, SetCheck.check(ops).lost());
        assertEquals(List.of(), SetCheck.elements(null));
    }

    private void add(int process, String key, String element, OpType outcome) {
        ops.add(op(process, OpType.INVOKE, "add", key, element));
        ops.add(op(process, outcome, "add", key, null));
    }

    private void read(String key, String elements) {
        ops.add(op(99, OpType.INVOKE, "read", key, null));
        ops.add(op(99, OpType.OK, "read", key, elements));
    }

    private Op op(int process, OpType type, String f, String key, String value) {
        long seq = ops.size() + 1;
        return new Op(seq, seq, process, type, f, key, value, null, null, null, null, null, null);
    }
}
