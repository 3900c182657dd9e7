package dev.ratchet.attestation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hashes that tie a TEE report to a key: the identity digest placed in report_data, and node
 * ids.
 *
 * <p>Threat: a host that relays a genuine report from one TEE while presenting its own key, or a
 * process that reuses one report for a different role or purpose. Defence: report_data is
 * {@code SHA-512("ratchet/node-identity/v1" ‖ 0x00 ‖ role ‖ 0x00 ‖ SPKI DER)}. The SPKI makes the
 * report worthless for any other key; the role makes the attested code, not the host, the one
 * that states the role; the domain string keeps identity reports apart from signed reads and any
 * future use (attestation.md §7.2). SHA-512 fills the 64 bytes every platform offers.
 */
public final class IdentityBinding {
    /** The size of report_data on every supported platform. */
    public static final int REPORT_DATA_BYTES = 64;

    private static final byte[] IDENTITY_DOMAIN = "ratchet/node-identity/v1".getBytes(StandardCharsets.US_ASCII);

    private IdentityBinding() {}

    /** Returns the 64-byte report_data that binds {@code spkiDer} to {@code role}. */
    public static byte[] reportData(Role role, byte[] spkiDer) {
        MessageDigest sha512 = digest("SHA-512");
        sha512.update(IDENTITY_DOMAIN);
        sha512.update((byte) 0);
        sha512.update(role.wireName().getBytes(StandardCharsets.US_ASCII));
        sha512.update((byte) 0);
        sha512.update(spkiDer);
        return sha512.digest();
    }

    /** Returns the node id of a key: lowercase hex of SHA-256 over its SPKI DER. */
    public static String nodeId(byte[] spkiDer) {
        return HexFormat.of().formatHex(digest("SHA-256").digest(spkiDer));
    }

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }
}
