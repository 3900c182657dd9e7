package dev.ratchet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class SlotLiesTest {
    private static final long WINDOW = 1_000;

    private final SlotLies lies = new SlotLies(6, 3, WINDOW);

    @Test
    void distinctStripes_reachTheThresholdOnce() {
        assertFalse(lies.lied(2, 10, 0));
        assertFalse(lies.lied(2, 11, 1));
        assertTrue(lies.lied(2, 12, 2));
        assertFalse(lies.lied(2, 13, 3), "past the threshold it is not reported again");
        assertEquals(3, lies.count(2, 3));
        assertEquals(0, lies.count(1, 3), "other slots are untouched");
    }

    @Test
    void liesAboutStripesNoLongerLive_areForgotten_andTheThresholdCanBeReachedAgain() {
        lies.lied(2, 10, 0);
        lies.lied(2, 11, 1);
        assertTrue(lies.lied(2, 12, 2));

        lies.keepOnly(2, Set.of(12L, 99L));

        assertEquals(1, lies.count(2, 3));
        assertFalse(lies.lied(2, 13, 4));
        assertTrue(lies.lied(2, 14, 5), "two more live stripes reach it again");
    }

    @Test
    void oneStripeReadOverAndOver_countsOnce() {
        for (int i = 0; i < 100; i++) {
            assertFalse(lies.lied(0, 7, i));
        }
        assertEquals(1, lies.count(0, 100));
    }

    @Test
    void liesOlderThanTheWindow_areForgotten() {
        lies.lied(4, 1, 0);
        lies.lied(4, 2, 500);
        assertFalse(lies.lied(4, 3, WINDOW), "the first lie expired just now");
        assertEquals(2, lies.count(4, WINDOW));
        assertTrue(lies.lied(4, 4, WINDOW + 1));
    }

    @Test
    void reset_startsTheCountOver() {
        lies.lied(3, 1, 0);
        lies.lied(3, 2, 0);
        assertTrue(lies.lied(3, 3, 0));
        lies.reset(3);
        assertEquals(0, lies.count(3, 0));
        assertFalse(lies.lied(3, 1, 0));
        assertFalse(lies.lied(3, 2, 0));
        assertTrue(lies.lied(3, 3, 0), "a server that goes on lying is reported again");
    }

    @Test
    void slotsOutOfRange_areIgnored_andBadLimitsRefused() {
        assertFalse(lies.lied(6, 1, 0));
        assertFalse(lies.lied(-1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SlotLies(6, 0, WINDOW));
        assertThrows(IllegalArgumentException.class, () -> new SlotLies(6, 3, 0));
    }
}
