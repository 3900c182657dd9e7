package dev.ratchet.cache;

/**
 * A tablet plaintext that does not parse or breaks an invariant of the format.
 *
 * <p>The plaintext was authenticated by {@link TabletSeal} before it was parsed, so this means a
 * bug in the writer (or a forged key), never a storage fault: the caller must not serve the
 * tablet, and should report it loudly. The message names the first violated rule.
 */
final class CorruptTabletException extends Exception {
    private static final long serialVersionUID = 1L;

    CorruptTabletException(String detail) {
        super(detail);
    }

    CorruptTabletException(String detail, Throwable cause) {
        super(detail, cause);
    }
}
