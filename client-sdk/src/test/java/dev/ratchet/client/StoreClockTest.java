package dev.ratchet.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The client's copy of the store clock: parsed strictly, and it never moves back. */
class StoreClockTest {
    @Test
    void parse_acceptsOnlyNonNegativeDecimalLongs() {
        assertEquals(0, StoreClock.parse("0"));
        assertEquals(42, StoreClock.parse("42"));
        assertEquals(Long.MAX_VALUE, StoreClock.parse(Long.toString(Long.MAX_VALUE)));
        assertEquals(-1, StoreClock.parse(null));
        assertEquals(-1, StoreClock.parse(""));
        assertEquals(-1, StoreClock.parse("-1"));
        assertEquals(-1, StoreClock.parse("+1"));
        assertEquals(-1, StoreClock.parse("1e3"));
        assertEquals(-1, StoreClock.parse(" 1"));
        assertEquals(-1, StoreClock.parse("9223372036854775808"));
        assertEquals(-1, StoreClock.parse("12345678901234567890"));
    }

    @Test
    void observe_onlyMovesForward() {
        StoreClock clock = new StoreClock();
        assertEquals(0, clock.ticks());
        clock.observe(9);
        clock.observe(4);
        assertEquals(9, clock.ticks());
        clock.observe(10);
        assertEquals(10, clock.ticks());
    }
}
