package dev.ratchet.raft;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * A test application: a sorted string map. Commands are {@code "put key value"} (answers the
 * previous value or "") and queries {@code "get key"} or {@code "size"}.
 */
final class KeyValueApplication implements ReplicatedApplication {
    // Guarded by this: the node serializes calls, tests read from other threads.
    private final TreeMap<String, String> map = new TreeMap<>();

    @Override
    public synchronized byte[] apply(byte[] command) {
        String[] parts = new String(command, StandardCharsets.UTF_8).split(" ", 3);
        if (parts.length != 3 || !parts[0].equals("put")) {
            return bytes("error: not a put");
        }
        String previous = map.put(parts[1], parts[2]);
        return bytes(previous == null ? "" : previous);
    }

    @Override
    public synchronized byte[] query(byte[] query) {
        String q = new String(query, StandardCharsets.UTF_8);
        if (q.equals("size")) {
            return bytes(Integer.toString(map.size()));
        }
        if (q.startsWith("get ")) {
            return bytes(map.getOrDefault(q.substring(4), ""));
        }
        return bytes("error: unknown query");
    }

    @Override
    public synchronized byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(map.size());
            for (Map.Entry<String, String> e : map.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public synchronized void restore(byte[] snapshot) {
        map.clear();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            int size = in.readInt();
            for (int i = 0; i < size; i++) {
                map.put(in.readUTF(), in.readUTF());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    synchronized Map<String, String> contents() {
        return new TreeMap<>(map);
    }

    static byte[] put(String key, String value) {
        return bytes("put " + key + " " + value);
    }

    static byte[] get(String key) {
        return bytes("get " + key);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
