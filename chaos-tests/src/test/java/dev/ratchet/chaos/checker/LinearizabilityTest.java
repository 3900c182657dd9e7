package dev.ratchet.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.chaos.history.Op;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The linearizability checker on hand-made histories it must accept, refuse, or give up on. */
class LinearizabilityTest {
    private static final Linearizability.Budget BUDGET = Linearizability.Budget.standard();

    @Test
    void aSequentialHistoryOfEveryOperation_isValid() {
        Histories h = new Histories()
                .put(1, "k", "a", 3)
                .get(2, "k", "a", 3L)
                .invokeCas(1, "k", Op.Expect.version(3), "b")
                .okCasSwapped(1, "k", 7)
                .invokeCas(2, "k", Op.Expect.value("a"), "c")
                .okCasNotSwapped(2, "k", "b", 7L)
                .invokeDelete(1, "k")
                .okDelete(1, "k", true)
                .get(2, "k", null, null)
                .invokeDelete(2, "k")
                .okDelete(2, "k", false)
                .invokeCas(1, "k", Op.Expect.absent(), "d")
                .okCasSwapped(1, "k", 9)
                .get(2, "k", "d", 9L);

        assertValid(h);
    }

    @Test
    void aReadOfAnOverwrittenValue_afterTheOverwriteWasAcknowledged_isInvalid() {
        Histories h = new Histories().put(1, "k", "a", 1).put(1, "k", "b", 2).get(2, "k", "a", 1L);

        Linearizability.KeyResult key = assertInvalid(h);
        assertEquals("get", key.stuckAt().f());
        assertEquals(2, key.longestLinearized().size(), "the two puts explain the prefix");
    }

    @Test
    void anAcknowledgedWriteThatALaterReadDoesNotSee_isInvalid() {
        assertInvalid(new Histories().put(1, "k", "a", 1).get(2, "k", null, null));
    }

    @Test
    void readsConcurrentWithAWrite_mayReturnTheOldOrTheNewValue() {
        Histories h = new Histories()
                .put(1, "k", "a", 1)
                .invokePut(1, "k", "b")
                .invokeGet(2, "k")
                .invokeGet(3, "k")
                .okGet(2, "k", "b", 2L)
                .okGet(3, "k", "a", 1L) // still concurrent with the put: linearized before it
                .okPut(1, "k", 2);

        // p3 read "a" after p2 read "b", but both overlap the put and each other: order p3, put, p2.
        assertValid(h);
    }

    @Test
    void aReadThatSawTheNewValue_thenALaterReadOfTheOld_isInvalid() {
        Histories h = new Histories()
                .put(1, "k", "a", 1)
                .invokePut(1, "k", "b")
                .get(2, "k", "b", 2L)
                .get(3, "k", "a", 1L) // began after p2's read ended: no going back
                .okPut(1, "k", 2);

        assertInvalid(h);
    }

    @Test
    void aWriteWithAnUnknownOutcome_mayHaveHappened_orNot() {
        Histories seen =
                new Histories().invokePut(1, "k", "a").info(1, "put", "k").get(2, "k", "a", 4L);
        Histories unseen =
                new Histories().invokePut(1, "k", "a").info(1, "put", "k").get(2, "k", null, null);
        Histories neverEnded = new Histories().invokePut(1, "k", "a").get(2, "k", "a", 1L);

        assertValid(seen);
        assertValid(unseen);
        assertValid(neverEnded);
    }

    @Test
    void anUnknownWriteSeenAndThenUnseen_isInvalid() {
        Histories h = new Histories()
                .invokePut(1, "k", "a")
                .info(1, "put", "k")
                .get(2, "k", "a", 4L)
                .get(2, "k", null, null);

        assertInvalid(h);
    }

    @Test
    void aValueNobodyWrote_isInvalid_evenWithUnknownWritesAround() {
        Histories h = new Histories()
                .invokePut(1, "k", "a")
                .info(1, "put", "k")
                .invokePut(3, "k", "b")
                .get(2, "k", "z", 1L);

        assertInvalid(h);
    }

    @Test
    void aReadMustReturnTheVersionItsValueWasWrittenAt() {
        assertInvalid(new Histories().put(1, "k", "a", 5).get(2, "k", "a", 6L));
        assertInvalid(new Histories().put(1, "k", "a", 5).put(1, "k", "b", 5), "versions only grow");
    }

    @Test
    void aCasThatDidNotSwap_mustNotHaveMatched() {
        Histories h = new Histories()
                .put(1, "k", "a", 1)
                .invokeCas(2, "k", Op.Expect.value("a"), "b")
                .okCasNotSwapped(2, "k", "a", 1L);

        assertInvalid(h);
    }

    @Test
    void aCasThatSwapped_mustHaveMatched() {
        Histories h = new Histories()
                .put(1, "k", "a", 1)
                .invokeCas(2, "k", Op.Expect.version(2), "b")
                .okCasSwapped(2, "k", 3);

        assertInvalid(h);
    }

    @Test
    void aCasOnAnUnknownWrite_pinsItsVersion() {
        Histories h = new Histories()
                .invokePut(1, "k", "a")
                .info(1, "put", "k")
                .invokeCas(2, "k", Op.Expect.version(4), "b")
                .okCasSwapped(2, "k", 5)
                .get(3, "k", "b", 5L);
        Histories tooLow = new Histories()
                .put(4, "k", "z", 3)
                .invokePut(1, "k", "a")
                .info(1, "put", "k")
                .invokeCas(2, "k", Op.Expect.version(3), "b") // "a" is above version 3
                .okCasSwapped(2, "k", 5);

        assertValid(h);
        assertValid(tooLow); // the cas may have come before the unknown put: expected z at 3
        Histories afterward = new Histories()
                .put(4, "k", "z", 3)
                .invokePut(1, "k", "a")
                .info(1, "put", "k")
                .get(5, "k", "a", 4L)
                .invokeCas(2, "k", Op.Expect.version(3), "b")
                .okCasSwapped(2, "k", 5);
        assertInvalid(afterward); // "a" at 4 was read before the cas began
    }

    @Test
    void aDeleteMustKnowWhetherTheKeyExisted() {
        assertInvalid(new Histories().put(1, "k", "a", 1).invokeDelete(2, "k").okDelete(2, "k", false));
        assertInvalid(new Histories().invokeDelete(2, "k").okDelete(2, "k", true));
    }

    @Test
    void failedOperations_andUnansweredReads_doNotCount() {
        Histories h = new Histories()
                .put(1, "k", "a", 1)
                .invokePut(2, "k", "zzz")
                .fail(2, "put", "k")
                .invokeGet(3, "k")
                .info(3, "get", "k")
                .get(4, "k", "a", 1L);

        assertValid(h);
    }

    @Test
    void keysAreCheckedApart_andOneBadKeyMakesTheHistoryInvalid() {
        Histories h = new Histories()
                .put(1, "good", "a", 1)
                .put(1, "bad", "b", 1)
                .get(2, "good", "a", 1L)
                .get(2, "bad", null, null);

        Linearizability.Result result = Linearizability.check(h.ops(), BUDGET);
        assertEquals(Verdict.INVALID, result.verdict());
        assertEquals(
                List.of("bad"),
                result.failing().stream().map(Linearizability.KeyResult::key).toList());
    }

    @Test
    void aHistoryTooHardForTheBudget_isUnknown_quickly_notValid() {
        // A small budget must give up, not answer VALID.
        Histories h = unknownWritesThenARead("never-written", 1);
        Linearizability.Budget small = new Linearizability.Budget(20_000, 1_000_000, 60_000_000_000L, System::nanoTime);

        Linearizability.Result result = Linearizability.check(h.ops(), small);

        assertEquals(Verdict.UNKNOWN, result.verdict());
        assertTrue(
                result.keys().get(0).detail().contains("budget"),
                result.keys().get(0).detail());
    }

    @Test
    void theTimeBudget_isReadFromTheGivenClock() {
        Histories h = unknownWritesThenARead("never-written", 1);
        long[] now = {0};
        // Each look at the clock moves it a second on: the 1 s allowance is gone at the first look.
        Linearizability.Budget timed = new Linearizability.Budget(
                Long.MAX_VALUE, Long.MAX_VALUE, 1_000_000_000L, () -> now[0] += 1_000_000_000L);

        Linearizability.Result result = Linearizability.check(h.ops(), timed);

        assertEquals(Verdict.UNKNOWN, result.verdict());
        assertTrue(
                result.keys().get(0).detail().contains("time"),
                result.keys().get(0).detail());
    }

    @Test
    void manyConcurrentUnknownWrites_thatAReadExplains_areDecidedValidWithinTheBudget() {
        assertValid(unknownWritesThenARead("v7", 12));
    }

    @Test
    void aMalformedHistory_isRefused() {
        Histories twice = new Histories().invokeGet(1, "k").invokeGet(1, "k");
        Histories orphan = new Histories().okPut(1, "k", 1);

        assertThrows(IllegalArgumentException.class, () -> Linearizability.check(twice.ops(), BUDGET));
        assertThrows(IllegalArgumentException.class, () -> Linearizability.check(orphan.ops(), BUDGET));
    }

    /**
     * 18 concurrent writes of unknown outcome, then a read of {@code value}: if no write wrote it,
     * proving that no subset of them explains the read visits every subset.
     */
    private static Histories unknownWritesThenARead(String value, long version) {
        Histories h = new Histories();
        for (int p = 1; p <= 18; p++) {
            h.invokePut(p, "k", "v" + p);
        }
        return h.get(100, "k", value, version);
    }

    private static void assertValid(Histories h) {
        Linearizability.Result result = Linearizability.check(h.ops(), BUDGET);
        assertEquals(Verdict.VALID, result.verdict(), () -> String.valueOf(result.failing()));
    }

    private static Linearizability.KeyResult assertInvalid(Histories h) {
        return assertInvalid(h, "");
    }

    private static Linearizability.KeyResult assertInvalid(Histories h, String why) {
        Linearizability.Result result = Linearizability.check(h.ops(), BUDGET);
        assertEquals(Verdict.INVALID, result.verdict(), why);
        Linearizability.KeyResult key = result.failing().get(0);
        assertNotNull(key.stuckAt(), "an INVALID key names the operation that could not be placed");
        return key;
    }
}
