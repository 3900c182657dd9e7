package dev.ratchet.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The refusal's message is the wire form Ratis carries it in, and parses back to the same refusal. */
class RequestRefusedExceptionTest {
    @Test
    void messageIsCodeThenDetail_andParsesBack() {
        RequestRefusedException refusal = new RequestRefusedException("CACHE_NODE_ID_MISMATCH", "names x: not you");
        assertEquals("CACHE_NODE_ID_MISMATCH: names x: not you", refusal.getMessage());

        RequestRefusedException parsed = new RequestRefusedException(refusal.getMessage());
        assertEquals("CACHE_NODE_ID_MISMATCH", parsed.code());
        assertEquals("names x: not you", parsed.detail());
    }

    @Test
    void messageOfAnotherShape_keepsEverythingAsDetailOfCodeUnknown() {
        RequestRefusedException parsed = new RequestRefusedException("lower: case is no code");
        assertEquals("UNKNOWN", parsed.code());
        assertEquals("lower: case is no code", parsed.detail());
        assertEquals("UNKNOWN", new RequestRefusedException((String) null).code());
    }

    @Test
    void codeMustBeUpperSnakeCase() {
        assertThrows(IllegalArgumentException.class, () -> new RequestRefusedException("bad code", "x"));
        assertThrows(IllegalArgumentException.class, () -> new RequestRefusedException("", "x"));
        assertThrows(IllegalArgumentException.class, () -> new RequestRefusedException("_X", "x"));
        assertThrows(IllegalArgumentException.class, () -> new RequestRefusedException("X".repeat(65), "x"));
        assertEquals("X1_Y", new RequestRefusedException("X1_Y", "").code());
    }
}
