package dev.ratchet.cache;

import static dev.ratchet.cache.TabletBatchTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OpOutcomeTest {
    @Test
    void factories_fillTheFieldsTheServiceReads() {
        assertEquals(
                new OpOutcome(true, 5, false, false, ByteString.EMPTY, OpOutcome.Refusal.NONE), OpOutcome.written(5));
        assertEquals(
                new OpOutcome(true, 5, true, false, ByteString.EMPTY, OpOutcome.Refusal.NONE), OpOutcome.deleted(5));
        assertEquals(
                new OpOutcome(true, 0, false, false, ByteString.EMPTY, OpOutcome.Refusal.NONE),
                OpOutcome.deletedAbsent());
        assertEquals(
                new OpOutcome(false, 3, false, true, bytes("v"), OpOutcome.Refusal.NONE),
                OpOutcome.compareFailed(Optional.of(new StoredValue(bytes("v"), 3))));
        assertEquals(
                new OpOutcome(false, 0, false, false, ByteString.EMPTY, OpOutcome.Refusal.NONE),
                OpOutcome.compareFailed(Optional.empty()));
        OpOutcome reused = OpOutcome.requestIdReusedOutcome();
        assertTrue(reused.requestIdReused());
        assertFalse(reused.succeeded());
    }

    @Test
    void refusesContradictions() {
        assertThrows(IllegalArgumentException.class, () -> OpOutcome.written(0));
        assertThrows(IllegalArgumentException.class, () -> OpOutcome.deleted(0));
        assertThrows(
                IllegalArgumentException.class,
                () -> new OpOutcome(true, 1, false, false, ByteString.EMPTY, OpOutcome.Refusal.REQUEST_ID_REUSED));
        assertThrows(
                IllegalArgumentException.class,
                () -> new OpOutcome(false, 1, false, false, bytes("v"), OpOutcome.Refusal.NONE));
        assertThrows(
                NullPointerException.class, () -> new OpOutcome(false, 1, false, false, null, OpOutcome.Refusal.NONE));
    }

    @Test
    void expectation_matches() {
        Optional<StoredValue> present = Optional.of(new StoredValue(bytes("v"), 4));
        Optional<StoredValue> absent = Optional.empty();

        assertTrue(Expectation.version(4).matches(present));
        assertFalse(Expectation.version(3).matches(present));
        assertFalse(Expectation.version(0).matches(absent));
        assertTrue(Expectation.value(bytes("v")).matches(present));
        assertFalse(Expectation.value(bytes("w")).matches(present));
        assertFalse(Expectation.value(ByteString.EMPTY).matches(absent));
        assertTrue(Expectation.absent().matches(absent));
        assertFalse(Expectation.absent().matches(present));
    }

    @Test
    void storedValue_refusesVersionZero() {
        assertThrows(IllegalArgumentException.class, () -> new StoredValue(bytes("v"), 0));
    }
}
