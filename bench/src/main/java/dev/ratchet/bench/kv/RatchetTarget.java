package dev.ratchet.bench.kv;

import java.nio.file.Path;
import java.util.List;

/** Ratchet through the client SDK's asynchronous API. */
final class RatchetTarget {
    private RatchetTarget() {}

    static KvTarget connect(List<String> endpoints, Path simulatedCaDirectory) {
        throw new UnsupportedOperationException("the Ratchet client SDK is not in this build yet");
    }
}
