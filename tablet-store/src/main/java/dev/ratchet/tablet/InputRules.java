package dev.ratchet.tablet;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The shape rules for identifiers and hex strings that arrive in commands. */
final class InputRules {
    private static final int NODE_ID_HEX_CHARS = 64;

    private InputRules() {}

    /** Returns whether {@code id} is a node id: lowercase hex SHA-256 (64 characters). */
    static boolean isNodeId(String id) {
        return id.length() == NODE_ID_HEX_CHARS && isLowerHex(id);
    }

    /** Returns whether {@code hex} is a measurement: lowercase hex, even length, bounded. */
    static boolean isMeasurement(String hex) {
        return !hex.isEmpty()
                && hex.length() % 2 == 0
                && hex.length() <= Limits.MEASUREMENT_HEX_CHARS_MAX
                && isLowerHex(hex);
    }

    /** Returns whether {@code address} is a plausible host:port: non-empty and bounded. */
    static boolean isAddress(String address) {
        int bytes = address.getBytes(StandardCharsets.UTF_8).length;
        return bytes > 0 && bytes <= Limits.ADDRESS_BYTES_MAX;
    }

    /** Returns whether {@code key} is a usable 32-byte data key (an all-zero key means a broken proposer). */
    static boolean isDataKey(ByteString key) {
        if (key.size() != Limits.DATA_KEY_BYTES) {
            return false;
        }
        for (int i = 0; i < key.size(); i++) {
            if (key.byteAt(i) != 0) {
                return true;
            }
        }
        return false;
    }

    /** Returns SHA-256 of {@code bytes}. */
    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            // Every Java SE platform must provide SHA-256.
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static boolean isLowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }
}
