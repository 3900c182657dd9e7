package dev.ratchet.attestation;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The signature a storage (sector) server puts on each read reply with its attested identity key,
 * and its check (attestation.md §7.4).
 *
 * <p>Threats: a host that replays an old, genuinely signed reply (for instance one recorded before
 * the sector server was rolled back or restarted from an old snapshot) so the client reads stale
 * data; and a host that routes a read for server A to server B, equally attested but holding other
 * data, so B answers for A. Defence: the reader sends a fresh random nonce, and the server signs
 * {@code SHA-512("ratchet/read/v1" ‖ 0x00 ‖ nodeId ‖ nonce ‖ SHA-256(request) ‖ SHA-256(response))}
 * with ECDSA P-256 (SHA256withECDSA over that 64-byte digest). Why each field is there:
 *
 * <ul>
 *   <li>the domain string and its 0x00 terminator keep a read signature from ever being mistaken
 *       for identity evidence ({@link IdentityBinding}) or any later statement made with the same
 *       key; every field after it has a fixed length, so no two inputs share an encoding;
 *   <li>the node id (32 raw bytes of SHA-256 of the signer's SPKI) names who vouches, so a reply
 *       cannot be attributed to another server, and the same digest can serve as report_data of
 *       a fresh hardware report in strict mode, where the signer is the platform, not the key;
 *   <li>the nonce (32 bytes the reader chose at random just before asking) makes every reply
 *       unique to one question, so no recorded reply can be replayed;
 *   <li>the request hash ties the answer to the question asked (key, sector, version), so an
 *       answer for one read cannot be passed off as the answer to another with the same nonce;
 *   <li>the response hash is the vouched-for content itself.
 * </ul>
 *
 * <p>The verifier must check against the key of the node it meant to ask, obtained from an
 * attested channel or evidence it verified, never a key that comes with the reply. Verification
 * takes about 0.1 ms, so every read can be checked; the identity's evidence was checked once, at
 * the TLS handshake. Lives in the core package, not {@code tls}, because it does not depend on the
 * transport: a signed reply stays checkable after a cache node relays it.
 */
public final class SignedRead {
    /** The length of the reader's nonce. */
    public static final int NONCE_BYTES = 32;

    private static final byte[] DOMAIN = "ratchet/read/v1".getBytes(StandardCharsets.US_ASCII);
    private static final int NODE_ID_BYTES = 32;
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private SignedRead() {}

    /** Returns a fresh random nonce for one read. */
    public static byte[] newNonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    /**
     * Signs the reply {@code response} to {@code request} under the reader's {@code nonce} with
     * the identity's attested key.
     *
     * @throws IllegalArgumentException if the nonce is not {@value #NONCE_BYTES} bytes or the key
     *     is not an EC key
     */
    public static byte[] sign(NodeIdentity identity, byte[] nonce, byte[] request, byte[] response) {
        return sign(identity.privateKey(), rawNodeId(identity.publicKey()), nonce, request, response);
    }

    /**
     * Checks that the node owning {@code signerKey} signed {@code response} as the reply to {@code
     * request} under {@code nonce}.
     *
     * @throws AttestationException {@link Refusal#SIGNATURE} if the signature does not verify or
     *     is unreadable
     * @throws IllegalArgumentException if the nonce is not {@value #NONCE_BYTES} bytes or the key
     *     is not an EC key
     */
    public static void verify(PublicKey signerKey, byte[] nonce, byte[] request, byte[] response, byte[] signature)
            throws AttestationException {
        Objects.requireNonNull(signature, "signature");
        byte[] digest = digest(rawNodeId(signerKey), nonce, request, response);
        boolean valid;
        try {
            Signature verifier = Signature.getInstance(SIGNATURE_ALGORITHM);
            verifier.initVerify(requireEc(signerKey));
            verifier.update(digest);
            valid = verifier.verify(signature);
        } catch (SignatureException e) {
            // A signature that is not even well-formed DER is as wrong as one that does not verify.
            throw new AttestationException(Refusal.SIGNATURE, "read signature is unreadable", e);
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("signer key is unusable for " + SIGNATURE_ALGORITHM, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + SIGNATURE_ALGORITHM, e);
        }
        if (!valid) {
            throw new AttestationException(
                    Refusal.SIGNATURE,
                    "read reply is not signed by node " + HexFormat.of().formatHex(rawNodeId(signerKey))
                            + " for this nonce, request and response");
        }
    }

    // Package-private so tests can sign under a node id that is not the key's own.
    static byte[] sign(PrivateKey key, byte[] nodeId, byte[] nonce, byte[] request, byte[] response) {
        byte[] digest = digest(nodeId, nonce, request, response);
        try {
            Signature signer = Signature.getInstance(SIGNATURE_ALGORITHM);
            signer.initSign(requireEc(key));
            signer.update(digest);
            return signer.sign();
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("signing key is unusable for " + SIGNATURE_ALGORITHM, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not sign a read reply", e);
        }
    }

    /** Returns the 64-byte digest that is signed (and, in strict mode, used as report_data). */
    static byte[] digest(byte[] nodeId, byte[] nonce, byte[] request, byte[] response) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(response, "response");
        if (nodeId.length != NODE_ID_BYTES) {
            throw new IllegalArgumentException("node id must be " + NODE_ID_BYTES + " bytes: " + nodeId.length);
        }
        if (nonce == null || nonce.length != NONCE_BYTES) {
            throw new IllegalArgumentException(
                    "nonce must be " + NONCE_BYTES + " bytes: " + (nonce == null ? "null" : nonce.length));
        }
        MessageDigest sha256 = IdentityBinding.digest("SHA-256");
        byte[] requestHash = sha256.digest(request);
        byte[] responseHash = sha256.digest(response);
        MessageDigest sha512 = IdentityBinding.digest("SHA-512");
        sha512.update(DOMAIN);
        sha512.update((byte) 0);
        sha512.update(nodeId);
        sha512.update(nonce);
        sha512.update(requestHash);
        sha512.update(responseHash);
        return sha512.digest();
    }

    static byte[] rawNodeId(PublicKey key) {
        return IdentityBinding.digest("SHA-256").digest(key.getEncoded());
    }

    private static <K extends Key> K requireEc(K key) {
        if (!"EC".equals(key.getAlgorithm())) {
            throw new IllegalArgumentException("attested identity keys are EC; got " + key.getAlgorithm());
        }
        return key;
    }
}
