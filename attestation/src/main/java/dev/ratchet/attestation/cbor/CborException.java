package dev.ratchet.attestation.cbor;

/** The input is not the CBOR the reader expected: wrong type, truncated, over a limit. */
public final class CborException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Creates an exception whose message says what was wrong and at which offset. */
    public CborException(String message) {
        super(message);
    }
}
