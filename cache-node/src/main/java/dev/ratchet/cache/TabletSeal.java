package dev.ratchet.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The authenticated encryption of a tablet blob: ChaCha20, then HMAC-SHA-256 over the ciphertext
 * and its context (encrypt-then-MAC), under per-blob keys derived from the data key.
 *
 * <p><b>Threat model.</b> The sector array, the hosts and the network see and may change every
 * stored byte: they can flip bits, serve a blob of another tablet, an older version of the same
 * tablet (a rollback), or a blob written under another data key. The tablet store (attested, Raft)
 * is trusted to say which tablet id, version and key epoch a blob must be, and the data key lives
 * only in attested cache nodes. {@link #open} must then either return exactly the plaintext that
 * was sealed for that (key, epoch, tablet id, version), or fail; it never returns other plaintext.
 *
 * <p><b>Construction.</b> {@code okm = HKDF-SHA-256(salt = none, ikm = dataKey, info = domain ||
 * 0x00 || tabletId || version || keyEpoch)}, where domain is {@code "ratchet/tablet-seal/v1"} for
 * a whole tablet and {@code "ratchet/tablet-delta-seal/v1"} for a delta ({@link Kind}) (RFC 5869; integers 8 bytes
 * big-endian); the first 32 bytes key ChaCha20 (RFC 8439, block counter starting at 1, the
 * caller's 12-byte nonce), the last 32 bytes key HMAC-SHA-256 over {@code domain || 0x00 ||
 * tabletId || version || keyEpoch || len(nonce) || nonce || len(ciphertext) || ciphertext}. The tag
 * is compared in constant time ({@link MessageDigest#isEqual}) and checked before anything is
 * decrypted, so no plaintext of a forged blob is ever produced.
 *
 * <p><b>Why each attack fails the MAC.</b> A flipped ciphertext, nonce or tag bit: HMAC is
 * unforgeable without the MAC key. A blob moved to another tablet id, or a replayed older version
 * of the same tablet: the id and version are in the HKDF info and in the MAC input, so the open
 * derives a different MAC key and checks a different message. A wrong key or epoch: a different
 * MAC key. The scheme is <em>key-committing</em>: unlike GCM or ChaCha20-Poly1305, whose tags are
 * linear in the key and let one ciphertext decrypt validly under two chosen keys, a tag that
 * verifies under two different data keys would need a collision of HMAC-SHA-256 outputs under two
 * HKDF-derived keys, which is as hard as breaking SHA-256. So a ciphertext opens under at most one
 * (key, epoch, tablet id, version).
 *
 * <p><b>Nonces.</b> The per-blob keys already differ per (key, epoch, tablet id, version), but
 * several cache nodes may race to write the same version of a tablet with different plaintexts,
 * so the caller passes 12 fresh random bytes per seal (a counter could not be coordinated); a
 * repeat within one (tablet id, version) is then negligible. Stateless and thread-safe.
 */
final class TabletSeal {
    static final int DATA_KEY_BYTES = 32;
    static final int NONCE_BYTES = 12;
    static final int MAC_BYTES = 32;

    /**
     * What a blob holds, bound into both derived keys and the MAC through its domain string: a
     * whole tablet or a delta on top of one. The tablet store says which each blob is, so a delta
     * can never be opened as a tablet (or the reverse), even with the right id and version.
     */
    enum Kind {
        TABLET("ratchet/tablet-seal/v1"),
        DELTA("ratchet/tablet-delta-seal/v1");

        private final byte[] domain;

        Kind(String domain) {
            this.domain = domain.getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static final int HASH_BYTES = 32;
    // Block 0 is where RFC 8439's AEAD takes its Poly1305 key; we follow its layout, starting at 1.
    private static final int CHACHA20_INITIAL_COUNTER = 1;

    private TabletSeal() {}

    /** A sealed blob: ciphertext (as long as the plaintext), the nonce used, and the 32-byte tag. */
    record SealedTablet(byte[] ciphertext, byte[] nonce, byte[] mac) {
        SealedTablet {
            Objects.requireNonNull(ciphertext, "ciphertext");
            Objects.requireNonNull(nonce, "nonce");
            Objects.requireNonNull(mac, "mac");
        }
    }

    /**
     * Encrypts and authenticates a tablet plaintext for the tablet version it will be committed
     * as.
     *
     * @param dataKey the data-encryption key of {@code keyEpoch}, 32 bytes
     * @param version the tablet version the blob will have once committed: the expected version
     *     + 1 for a commit or the left half of a split or merge, 1 for the right half of a split.
     *     A blob sealed for one version cannot be committed at another, so after losing a commit
     *     race the caller re-applies and seals again.
     * @param nonce12 12 fresh random bytes
     */
    static SealedTablet seal(
            byte[] dataKey, long keyEpoch, long tabletId, long version, byte[] plaintext, byte[] nonce12) {
        return seal(Kind.TABLET, dataKey, keyEpoch, tabletId, version, plaintext, nonce12);
    }

    /** {@link #seal(byte[], long, long, long, byte[], byte[])} for a blob of {@code kind}. */
    static SealedTablet seal(
            Kind kind, byte[] dataKey, long keyEpoch, long tabletId, long version, byte[] plaintext, byte[] nonce12) {
        Objects.requireNonNull(kind, "kind");
        requireLength(dataKey, DATA_KEY_BYTES, "data key");
        requireLength(nonce12, NONCE_BYTES, "nonce");
        Objects.requireNonNull(plaintext, "plaintext");
        byte[] nonce = nonce12.clone();
        byte[] keys = deriveKeys(kind, dataKey, keyEpoch, tabletId, version);
        byte[] encryptionKey = Arrays.copyOfRange(keys, 0, HASH_BYTES);
        try {
            byte[] ciphertext = chacha20(encryptionKey, nonce, CHACHA20_INITIAL_COUNTER, plaintext);
            byte[] mac = mac(
                    kind,
                    Arrays.copyOfRange(keys, HASH_BYTES, 2 * HASH_BYTES),
                    keyEpoch,
                    tabletId,
                    version,
                    nonce,
                    ciphertext);
            return new SealedTablet(ciphertext, nonce, mac);
        } finally {
            Arrays.fill(keys, (byte) 0);
            Arrays.fill(encryptionKey, (byte) 0);
        }
    }

    /**
     * Verifies and decrypts a blob that the tablet store says is {@code tabletId} at {@code
     * version} under {@code keyEpoch} (TabletMeta.version and TabletBlob.key_epoch).
     *
     * @throws TabletIntegrityException if the nonce or tag is malformed or the tag does not verify
     *     (nothing is decrypted then)
     */
    static byte[] open(
            byte[] dataKey, long keyEpoch, long tabletId, long version, byte[] ciphertext, byte[] nonce, byte[] mac)
            throws TabletIntegrityException {
        return open(Kind.TABLET, dataKey, keyEpoch, tabletId, version, ciphertext, nonce, mac);
    }

    /** {@link #open(byte[], long, long, long, byte[], byte[], byte[])} for a blob of {@code kind}. */
    static byte[] open(
            Kind kind,
            byte[] dataKey,
            long keyEpoch,
            long tabletId,
            long version,
            byte[] ciphertext,
            byte[] nonce,
            byte[] mac)
            throws TabletIntegrityException {
        Objects.requireNonNull(kind, "kind");
        requireLength(dataKey, DATA_KEY_BYTES, "data key");
        Objects.requireNonNull(ciphertext, "ciphertext");
        if (nonce == null || nonce.length != NONCE_BYTES) {
            throw new TabletIntegrityException(
                    "tablet " + tabletId + " v" + version + ": nonce is not " + NONCE_BYTES + " bytes");
        }
        if (mac == null || mac.length != MAC_BYTES) {
            throw new TabletIntegrityException(
                    "tablet " + tabletId + " v" + version + ": MAC is not " + MAC_BYTES + " bytes");
        }
        byte[] keys = deriveKeys(kind, dataKey, keyEpoch, tabletId, version);
        byte[] encryptionKey = Arrays.copyOfRange(keys, 0, HASH_BYTES);
        try {
            byte[] expected = mac(
                    kind,
                    Arrays.copyOfRange(keys, HASH_BYTES, 2 * HASH_BYTES),
                    keyEpoch,
                    tabletId,
                    version,
                    nonce,
                    ciphertext);
            if (!MessageDigest.isEqual(expected, mac)) {
                throw new TabletIntegrityException("tablet " + tabletId + " v" + version + " epoch " + keyEpoch
                        + ": MAC does not verify (wrong key, tablet, version or epoch, or altered bytes)");
            }
            return chacha20(encryptionKey, nonce, CHACHA20_INITIAL_COUNTER, ciphertext);
        } finally {
            Arrays.fill(keys, (byte) 0);
            Arrays.fill(encryptionKey, (byte) 0);
        }
    }

    /** Returns 64 bytes: the ChaCha20 key, then the HMAC key, for one blob. */
    private static byte[] deriveKeys(Kind kind, byte[] dataKey, long keyEpoch, long tabletId, long version) {
        byte[] info = ByteBuffer.allocate(kind.domain.length + 1 + 3 * Long.BYTES)
                .put(kind.domain)
                .put((byte) 0)
                .putLong(tabletId)
                .putLong(version)
                .putLong(keyEpoch)
                .array();
        return hkdf(null, dataKey, info, 2 * HASH_BYTES);
    }

    private static byte[] mac(
            Kind kind, byte[] macKey, long keyEpoch, long tabletId, long version, byte[] nonce, byte[] ciphertext) {
        Mac hmac = hmac(macKey);
        hmac.update(kind.domain);
        hmac.update((byte) 0);
        hmac.update(ByteBuffer.allocate(3 * Long.BYTES)
                .putLong(tabletId)
                .putLong(version)
                .putLong(keyEpoch)
                .array());
        // Lengths keep the boundary between nonce and ciphertext unambiguous.
        hmac.update(ByteBuffer.allocate(Long.BYTES).putLong(nonce.length).array());
        hmac.update(nonce);
        hmac.update(ByteBuffer.allocate(Long.BYTES).putLong(ciphertext.length).array());
        hmac.update(ciphertext);
        // The key was a copy made for this call; the Mac holds its own.
        Arrays.fill(macKey, (byte) 0);
        return hmac.doFinal();
    }

    /** HKDF-SHA-256 (RFC 5869); a null or empty salt means 32 zero bytes, as the RFC says. */
    static byte[] hkdf(byte[] salt, byte[] ikm, byte[] info, int length) {
        if (length < 1 || length > 255 * HASH_BYTES) {
            throw new IllegalArgumentException("HKDF output length out of range: " + length);
        }
        byte[] prk = hmac(salt == null || salt.length == 0 ? new byte[HASH_BYTES] : salt)
                .doFinal(ikm);
        Mac expand = hmac(prk);
        byte[] okm = new byte[length];
        byte[] block = new byte[0];
        for (int i = 1, done = 0; done < length; i++) {
            expand.update(block);
            expand.update(info);
            expand.update((byte) i);
            block = expand.doFinal();
            int take = Math.min(block.length, length - done);
            System.arraycopy(block, 0, okm, done, take);
            done += take;
        }
        Arrays.fill(prk, (byte) 0);
        Arrays.fill(block, (byte) 0);
        return okm;
    }

    /** ChaCha20 (RFC 8439 §2.4) of {@code input}; encryption and decryption are the same. */
    static byte[] chacha20(byte[] key, byte[] nonce, int initialCounter, byte[] input) {
        try {
            Cipher cipher = Cipher.getInstance("ChaCha20");
            cipher.init(
                    Cipher.ENCRYPT_MODE,
                    new SecretKeySpec(key, "ChaCha20"),
                    new ChaCha20ParameterSpec(nonce, initialCounter));
            return cipher.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's ChaCha20 failed", e);
        }
    }

    private static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's HmacSHA256 failed", e);
        }
    }

    private static void requireLength(byte[] bytes, int length, String what) {
        Objects.requireNonNull(bytes, what);
        if (bytes.length != length) {
            throw new IllegalArgumentException(what + " must be " + length + " bytes: " + bytes.length);
        }
    }
}
