package dev.ratchet.sector.array;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ShardChoiceTest {
    private static final long ALL_4_2 = 0b111111;

    @Test
    void next_onAFreshStripe_choosesTheDataSlots() {
        assertEquals(OptionalLong.of(0b001111), ShardChoice.next(4, ALL_4_2, 0));
    }

    @Test
    void next_afterBadDataShards_choosesLowestParities() {
        // Slots 1 and 2 bad, 0 and 3 good: fetch parities 0 and 1 (slots 4, 5).
        assertEquals(OptionalLong.of(0b110000), ShardChoice.next(4, 0b110000, 0b001001));
        // One bad: only parity 0.
        assertEquals(OptionalLong.of(0b010000), ShardChoice.next(4, 0b110000, 0b001011));
    }

    @Test
    void next_withKGood_fetchesNothing() {
        assertEquals(OptionalLong.of(0), ShardChoice.next(4, 0b110000, 0b001111));
    }

    @Test
    void next_withTooFewCandidates_isEmpty() {
        assertTrue(ShardChoice.next(4, 0b100000, 0b000011).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> ShardChoice.next(4, 0b11, 0b01));
    }

    @Test
    void erasures_areEveryNonGoodSlot() {
        assertArrayEquals(new int[] {1, 2}, ShardChoice.erasures(ALL_4_2, 0b111001, 4));
        assertThrows(IllegalArgumentException.class, () -> ShardChoice.erasures(ALL_4_2, 0b000111, 4));
    }
}
