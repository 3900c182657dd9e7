package dev.ratchet.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.chaos.history.Op;
import dev.ratchet.chaos.history.OpType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An UNREADABLE answer is data loss within the budget; other failures are not. */
class UnreadableCheckTest {
    @Test
    void failuresOfOtherCodes_areNotDataLoss() {
        List<Op> history = List.of(
                op(OpType.INVOKE, null),
                op(OpType.FAIL, "NOT_SERVING: tablet 3 v9 could not be read"),
                op(OpType.INVOKE, null),
                op(OpType.INFO, "DEADLINE_EXCEEDED: no answer in 2000 ms"),
                op(OpType.INVOKE, null),
                op(OpType.OK, null));

        UnreadableCheck.Result result = UnreadableCheck.check(history);

        assertEquals(Verdict.VALID, result.verdict());
        assertEquals(0, result.unreadable());
    }

    @Test
    void anUnreadableAnswer_isInvalid_andNamesTheKey() {
        List<Op> history = List.of(
                op(OpType.INVOKE, null),
                op(OpType.FAIL, "UNREADABLE: tablet 2 v14 failed authentication"),
                op(OpType.INVOKE, null),
                op(OpType.OK, null));

        UnreadableCheck.Result result = UnreadableCheck.check(history);

        assertEquals(Verdict.INVALID, result.verdict());
        assertEquals(1, result.unreadable());
        assertTrue(
                result.examples().get(0).contains("get k1"), result.examples().toString());
    }

    @Test
    void aNemesisEventMentioningTheCode_isNotAnOperation() {
        Op event = new Op(
                0,
                0,
                Op.NEMESIS,
                OpType.INFO,
                "start-corrupt-sector",
                null,
                "UNREADABLE: x",
                null,
                null,
                null,
                null,
                null,
                "UNREADABLE: not an op");

        assertEquals(Verdict.VALID, UnreadableCheck.check(List.of(event)).verdict());
    }

    private static Op op(OpType type, String error) {
        return new Op(0, 0, 1, type, "get", "k1", null, null, null, null, null, null, error);
    }
}
