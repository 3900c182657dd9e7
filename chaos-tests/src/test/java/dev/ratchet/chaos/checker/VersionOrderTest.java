package dev.ratchet.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.chaos.history.Op;
import org.junit.jupiter.api.Test;

/** The cheap version-order check on hand-made histories. */
class VersionOrderTest {
    @Test
    void growingVersions_andReadsOfWrittenValues_areValid() {
        Histories h = new Histories()
                .put(1, "k", "a", 1)
                .get(2, "k", "a", 1L)
                .invokePut(3, "k", "b")
                .info(3, "put", "k")
                .get(2, "k", "b", 4L)
                .invokeCas(1, "k", Op.Expect.version(4), "c")
                .okCasSwapped(1, "k", 6)
                .get(2, "k", null, null);

        VersionOrder.Result result = VersionOrder.check(h.ops());
        assertEquals(Verdict.VALID, result.verdict(), String.valueOf(result.violations()));
    }

    @Test
    void twoValuesAtOneVersion_areAFork() {
        Histories h = new Histories().put(1, "k", "a", 3).put(2, "k", "b", 3);

        assertViolation(h, "holds both");
    }

    @Test
    void aValueAtTwoVersions_wasAppliedTwice() {
        Histories h = new Histories()
                .invokePut(1, "k", "a")
                .info(1, "put", "k")
                .get(2, "k", "a", 3L)
                .get(2, "k", "a", 5L);

        assertViolation(h, "at versions 3 and 5");
    }

    @Test
    void aReadOfAValueNobodyWrote_isAPhantom() {
        assertViolation(new Histories().put(1, "k", "a", 1).get(2, "k", "zzz", 1L), "no write wrote");
    }

    @Test
    void aVersionBelowOneThatEndedEarlier_goesBackInTime() {
        Histories stale =
                new Histories().put(1, "k", "a", 1).put(1, "k", "b", 2).get(2, "k", "a", 1L);
        Histories sameVersionWrite = new Histories()
                .put(1, "k", "a", 2)
                .invokeCas(2, "k", Op.Expect.value("a"), "b")
                .okCasSwapped(2, "k", 2);

        assertViolation(stale, "ended before it began");
        assertViolation(sameVersionWrite, "ended before it began");
    }

    @Test
    void concurrentOperations_mayShowVersionsInEitherOrder() {
        Histories h = new Histories()
                .put(1, "k", "a", 1)
                .invokePut(1, "k", "b")
                .invokeGet(2, "k")
                .okPut(1, "k", 2)
                .okGet(2, "k", "a", 1L);

        assertEquals(Verdict.VALID, VersionOrder.check(h.ops()).verdict());
    }

    @Test
    void repeatedWriteValues_areRefused_theCheckNeedsUniqueOnes() {
        Histories h = new Histories().put(1, "k", "a", 1).put(1, "k", "a", 2);

        assertThrows(IllegalArgumentException.class, () -> VersionOrder.check(h.ops()));
    }

    private static void assertViolation(Histories h, String expected) {
        VersionOrder.Result result = VersionOrder.check(h.ops());
        assertEquals(Verdict.INVALID, result.verdict());
        assertTrue(
                result.violations().stream().anyMatch(v -> v.contains(expected)),
                "expected '" + expected + "' in " + result.violations());
    }
}
