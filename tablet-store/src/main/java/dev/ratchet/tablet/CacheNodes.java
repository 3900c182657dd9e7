package dev.ratchet.tablet;

import dev.ratchet.tablet.proto.AuthorizedWriterSet;
import java.util.TreeMap;

/**
 * The registered cache nodes (node id to attested measurement) and the version of the
 * authorized-writer set they form.
 *
 * <p>Every registration or deregistration bumps the version, so sector servers, which refuse a
 * version at or below the installed one, always move forward. Not thread-safe.
 */
final class CacheNodes {
    private final TreeMap<String, String> measurementById = new TreeMap<>();
    private long writerSetVersion;

    boolean contains(String nodeId) {
        return measurementById.containsKey(nodeId);
    }

    int size() {
        return measurementById.size();
    }

    long writerSetVersion() {
        return writerSetVersion;
    }

    TreeMap<String, String> byId() {
        return measurementById;
    }

    /** Adds a node without bumping the version; the caller bumps once per command. */
    void add(String nodeId, String measurementHex) {
        measurementById.put(nodeId, measurementHex);
    }

    /** Removes a node without bumping the version; the caller bumps once per command. */
    void remove(String nodeId) {
        measurementById.remove(nodeId);
    }

    /** Advances the writer-set version after a change of membership. */
    void bumpVersion() {
        writerSetVersion++;
    }

    /** Returns the authorized-writer set, node ids ascending. */
    AuthorizedWriterSet writerSet() {
        return AuthorizedWriterSet.newBuilder()
                .setVersion(writerSetVersion)
                .addAllWriterNodeIds(measurementById.keySet())
                .build();
    }

    /** Restores the version read from a snapshot. */
    void restoreVersion(long version) {
        this.writerSetVersion = version;
    }
}
