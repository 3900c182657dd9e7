package dev.ratchet.attestation.cbor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class CborTest {
    @Test
    void writer_usesShortestHeads_rfc8949Examples() {
        assertHex("00", new CborWriter().uint(0));
        assertHex("17", new CborWriter().uint(23));
        assertHex("1818", new CborWriter().uint(24));
        assertHex("1903e8", new CborWriter().uint(1000));
        assertHex("1a000f4240", new CborWriter().uint(1000000));
        assertHex("1b000000e8d4a51000", new CborWriter().uint(1000000000000L));
        assertHex("20", new CborWriter().integer(-1));
        assertHex("3903e7", new CborWriter().integer(-1000));
        assertHex("4401020304", new CborWriter().bytes(new byte[] {1, 2, 3, 4}));
        assertHex("6449455446", new CborWriter().text("IETF"));
        assertHex("83010203", new CborWriter().array(3).uint(1).uint(2).uint(3));
        assertHex("a201020304", new CborWriter().map(2).uint(1).uint(2).uint(3).uint(4));
        assertHex("f6", new CborWriter().nil());
    }

    @Test
    void reader_roundTripsWhatWriterWrote() throws CborException {
        byte[] encoded = new CborWriter()
                .array(5)
                .uint(300)
                .integer(-70000)
                .bytes(new byte[] {9, 8})
                .text("ratchet")
                .nil()
                .toByteArray();
        CborReader reader = new CborReader(encoded);
        assertEquals(5, reader.array(10));
        assertEquals(300, reader.uint());
        assertEquals(-70000, reader.integer());
        assertArrayEquals(new byte[] {9, 8}, reader.bytes(2));
        assertEquals("ratchet", reader.text(16));
        assertNull(reader.bytesOrNull(1));
        assertTrue(reader.atEnd());
        reader.requireEnd();
    }

    @Test
    void reader_refusesLengthOverLimit() {
        byte[] encoded = new CborWriter().bytes(new byte[10]).toByteArray();
        assertThrows(CborException.class, () -> new CborReader(encoded).bytes(9));
    }

    @Test
    void reader_refusesLengthBeyondInputWithoutAllocating() {
        // A byte string head claiming 2^32-1 bytes, followed by nothing.
        byte[] hostile = HexFormat.of().parseHex("5affffffff");
        CborException e = assertThrows(CborException.class, () -> new CborReader(hostile).bytes(Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("exceeds") || e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void reader_refusesArrayCountBeyondInput() {
        byte[] hostile = HexFormat.of().parseHex("9a7fffffff");
        assertThrows(CborException.class, () -> new CborReader(hostile).array(Integer.MAX_VALUE));
    }

    @Test
    void reader_refusesWrongTypeIndefiniteLengthAndTrailingBytes() {
        assertThrows(CborException.class, () -> new CborReader(HexFormat.of().parseHex("6449455446")).bytes(10));
        assertThrows(CborException.class, () -> new CborReader(HexFormat.of().parseHex("5f4101ff")).bytes(10));
        CborReader reader = new CborReader(HexFormat.of().parseHex("0101"));
        assertThrows(CborException.class, () -> {
            reader.uint();
            reader.requireEnd();
        });
    }

    @Test
    void reader_refusesInvalidUtf8() {
        assertThrows(CborException.class, () -> new CborReader(HexFormat.of().parseHex("62c328")).text(10));
    }

    @Test
    void reader_refusesEmptyInput() {
        assertThrows(CborException.class, () -> new CborReader(new byte[0]).uint());
    }

    @Test
    void skip_passesOverNestedItemsAndBoundsDepth() throws CborException {
        byte[] nested = new CborWriter()
                .array(2)
                .map(1)
                .text("k")
                .array(1)
                .bytes(new byte[3])
                .nil()
                .uint(7)
                .toByteArray();
        CborReader reader = new CborReader(nested);
        assertEquals(2, reader.array(2));
        reader.skip(8);
        reader.skip(8);
        assertEquals(7, reader.uint());
        byte[] deep = HexFormat.of().parseHex("8181818181818181818100");
        assertThrows(CborException.class, () -> new CborReader(deep).skip(4));
    }

    private static void assertHex(String expected, CborWriter writer) {
        assertEquals(expected, HexFormat.of().formatHex(writer.toByteArray()));
    }
}
