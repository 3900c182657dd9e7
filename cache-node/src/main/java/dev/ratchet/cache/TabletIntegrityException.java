package dev.ratchet.cache;

/**
 * A sealed tablet blob that failed authentication: wrong key, wrong tablet id, version or key
 * epoch, or altered bytes.
 *
 * <p>Nothing was decrypted. The caller treats the blob as unreadable (never as an old or empty
 * tablet); a blob fetched from the sector array with matching shard digests that still fails here
 * points at a wrong data key or a writer bug.
 */
final class TabletIntegrityException extends Exception {
    private static final long serialVersionUID = 1L;

    TabletIntegrityException(String detail) {
        super(detail);
    }
}
