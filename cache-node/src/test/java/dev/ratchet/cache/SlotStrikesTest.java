package dev.ratchet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The strike counting that deaths are judged on (issue 13, item 2): pure, on a fake clock. */
class SlotStrikesTest {
    private static final long WINDOW = 10_000;
    private final SlotStrikes strikes = new SlotStrikes(6, 3, WINDOW);

    @Test
    void oneUnansweredCall_isOneStrike_andTheThirdStrikesOut() {
        assertFalse(strikes.strike(2, 0));
        assertFalse(strikes.strike(2, 1));
        assertFalse(strikes.struckOut(2, 1));
        assertTrue(strikes.strike(2, 2), "the third strike is the one that strikes out");
        assertTrue(strikes.struckOut(2, 2));
        assertFalse(strikes.strike(2, 3), "striking out is reported once, not on every later strike");
        assertFalse(strikes.struckOut(1, 3));
    }

    @Test
    void answeredCalls_takeStrikesAway_soAServerThatMostlyAnswersNeverStrikesOut() {
        for (long t = 0; t < 1_000; t += 2) {
            assertFalse(strikes.strike(0, t), "at " + t);
            strikes.answered(0, t + 1);
        }
        assertEquals(0, strikes.failingCount(1_000));
    }

    @Test
    void strikes_areForgottenAfterTheWindow() {
        strikes.strike(4, 0);
        strikes.strike(4, 1);
        assertEquals(1, strikes.failingCount(WINDOW));
        assertEquals(0, strikes.failingCount(WINDOW + 1));
        assertFalse(strikes.strike(4, WINDOW + 2), "a new run starts from one");
    }

    @Test
    void failingCount_countsSlotsHoldingAStrike() {
        strikes.strike(0, 0);
        strikes.strike(3, 0);
        strikes.strike(3, 0);
        strikes.strike(5, 0);
        assertEquals(3, strikes.failingCount(0));
        strikes.answered(0, 1);
        assertEquals(2, strikes.failingCount(1));
        strikes.reset(3);
        assertEquals(1, strikes.failingCount(1));
    }

    @Test
    void slotsOutOfRange_areIgnored() {
        assertFalse(strikes.strike(-1, 0));
        assertFalse(strikes.strike(6, 0));
        strikes.answered(7, 0);
        assertFalse(strikes.struckOut(9, 0));
        assertEquals(0, strikes.failingCount(0));
    }
}
