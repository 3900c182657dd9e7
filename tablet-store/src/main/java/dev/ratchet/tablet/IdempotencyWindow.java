package dev.ratchet.tablet;

import com.google.protobuf.ByteString;
import dev.ratchet.tablet.proto.IdempotencyEntry;
import dev.ratchet.tablet.proto.Result;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The recent request ids and their results, so a retried command returns its first result instead
 * of applying twice.
 *
 * <p>Bounded to {@link Limits#IDEMPOTENCY_WINDOW_ENTRIES}: the oldest entry in apply order is
 * evicted first, which every replica agrees on because every replica applies in log order. A retry
 * older than the window applies again; the client's retry budget is far shorter than the window.
 * Not thread-safe.
 */
final class IdempotencyWindow {
    private final LinkedHashMap<ByteString, IdempotencyEntry> entries = new LinkedHashMap<>();

    /** Returns the entry for {@code requestId}, or null. */
    IdempotencyEntry get(ByteString requestId) {
        return entries.get(requestId);
    }

    /** Records a result, evicting the oldest entry when the window is full. */
    void record(ByteString requestId, ByteString commandSha256, Result result) {
        entries.put(
                requestId,
                IdempotencyEntry.newBuilder()
                        .setRequestId(requestId)
                        .setCommandSha256(commandSha256)
                        .setResult(result)
                        .build());
        if (entries.size() > Limits.IDEMPOTENCY_WINDOW_ENTRIES) {
            Iterator<ByteString> oldest = entries.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** Returns the entries oldest first. */
    Collection<IdempotencyEntry> entries() {
        return entries.values();
    }

    /** Restores one entry read from a snapshot, in order. */
    void restore(IdempotencyEntry entry) {
        if (entries.put(entry.getRequestId(), entry) != null) {
            throw new IllegalArgumentException("request id appears twice in the idempotency window");
        }
    }

    int size() {
        return entries.size();
    }
}
