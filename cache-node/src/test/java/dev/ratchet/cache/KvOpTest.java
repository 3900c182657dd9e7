package dev.ratchet.cache;

import static dev.ratchet.cache.TabletBatchTest.bytes;
import static dev.ratchet.cache.TabletBatchTest.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KvOpTest {
    @Test
    void sha256_ignoresTheRequestId() {
        assertEquals(
                KvOp.put(id(1), bytes("k"), bytes("v")).sha256(),
                KvOp.put(id(2), bytes("k"), bytes("v")).sha256());
    }

    @Test
    void sha256_differsForEveryDifferentOp() {
        ByteString r = id(1);
        List<KvOp> ops = List.of(
                KvOp.put(r, bytes("k"), bytes("v")),
                KvOp.put(r, bytes("k"), bytes("")),
                KvOp.put(r, bytes("kv"), bytes("")),
                KvOp.put(r, bytes("k"), bytes("w")),
                KvOp.put(r, bytes("j"), bytes("v")),
                KvOp.delete(r, bytes("k")),
                KvOp.delete(r, bytes("j")),
                KvOp.compareAndSet(r, bytes("k"), Expectation.absent(), bytes("v")),
                KvOp.compareAndSet(r, bytes("k"), Expectation.version(1), bytes("v")),
                KvOp.compareAndSet(r, bytes("k"), Expectation.version(2), bytes("v")),
                KvOp.compareAndSet(r, bytes("k"), Expectation.value(bytes("v")), bytes("v")),
                KvOp.compareAndSet(r, bytes("k"), Expectation.value(bytes("")), bytes("v")),
                KvOp.compareAndSet(r, bytes("k"), Expectation.value(bytes("")), bytes("")));
        Set<ByteString> hashes = new HashSet<>();
        for (KvOp op : ops) {
            hashes.add(op.sha256());
            assertEquals(32, op.sha256().size());
        }

        assertEquals(ops.size(), hashes.size());
    }

    @Test
    void sha256_isStable() {
        // Persisted in every tablet's window: changing the encoding would turn retries into
        // "request id reused" across an upgrade.
        assertEquals(
                KvOp.put(id(1), bytes("k"), bytes("v")).sha256(),
                ByteString.copyFrom(RingPosition.newSha256().digest(new byte[] {
                    'r', 'a', 't', 'c', 'h', 'e', 't', '/', 'k', 'v', '-', 'o', 'p', '/', 'v', '1', 0, 1, 0, 0, 0, 0, 0,
                    0, 0, 1, 'k', 0, 0, 0, 0, 0, 0, 0, 1, 'v'
                })));
    }

    @Test
    void factories_refuseWhatWouldBreakTheTabletFormat() {
        assertThrows(IllegalArgumentException.class, () -> KvOp.put(ByteString.EMPTY, bytes("k"), bytes("v")));
        assertThrows(
                IllegalArgumentException.class,
                () -> KvOp.put(ByteString.copyFrom(new byte[65]), bytes("k"), bytes("v")));
        assertThrows(IllegalArgumentException.class, () -> KvOp.delete(id(1), ByteString.EMPTY));
        assertThrows(NullPointerException.class, () -> KvOp.put(id(1), bytes("k"), null));
        assertThrows(NullPointerException.class, () -> KvOp.compareAndSet(id(1), bytes("k"), null, bytes("v")));
        assertThrows(
                IllegalStateException.class,
                () -> KvOp.put(id(1), bytes("k"), bytes("v")).expectation());
    }

    @Test
    void accessors() {
        KvOp op = KvOp.compareAndSet(id(1), bytes("k"), Expectation.version(3), bytes("v"));

        assertEquals(id(1), op.requestId());
        assertEquals(bytes("k"), op.key());
        assertEquals(KvOp.Kind.COMPARE_AND_SET, op.kind());
        assertEquals(Expectation.version(3), op.expectation());
        assertEquals(bytes("v"), op.value());
        assertEquals(KvOp.Kind.DELETE, KvOp.delete(id(1), bytes("k")).kind());
        assertEquals(KvOp.Kind.PUT, KvOp.put(id(1), bytes("k"), bytes("v")).kind());
    }
}
