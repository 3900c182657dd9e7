package dev.ratchet.sector.server;

import com.google.protobuf.ByteString;
import dev.ratchet.sector.proto.AuthorizedWriterSet;
import dev.ratchet.sector.proto.InstallAuthorizationRequest;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.Objects;

/**
 * The writer authority: the holder of the key that signs authorized-writer sets for sector
 * servers (the tablet store in a cluster; tests and tools until then).
 *
 * <p>It produces {@link InstallAuthorizationRequest}s that a sector server installs only if they
 * verify under the authority's public key, configured at the server's start, and carry a higher
 * version than the set it holds. Versions are the caller's to choose and must strictly increase:
 * the authority keeps no state, so a replicated owner (the tablet store's Raft log) is what keeps
 * them monotonic. The private key never leaves this object.
 */
public final class WriterAuthority {
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final String PEM_BEGIN = "-----BEGIN PUBLIC KEY-----";
    private static final String PEM_END = "-----END PUBLIC KEY-----";

    private final KeyPair keyPair;

    /**
     * Creates an authority that signs with {@code keyPair}.
     *
     * @throws IllegalArgumentException if the key pair is not EC
     */
    public WriterAuthority(KeyPair keyPair) {
        this.keyPair = Objects.requireNonNull(keyPair, "keyPair");
        if (!"EC".equals(keyPair.getPublic().getAlgorithm())) {
            throw new IllegalArgumentException("the writer authority key must be EC, not "
                    + keyPair.getPublic().getAlgorithm());
        }
    }

    /** Returns an authority with a fresh P-256 key. */
    public static WriterAuthority generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            return new WriterAuthority(generator.generateKeyPair());
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("the JDK cannot generate P-256 keys", e);
        }
    }

    /** Returns the public key sector servers are configured with. */
    public PublicKey publicKey() {
        return keyPair.getPublic();
    }

    /** Returns the public key as PEM (SubjectPublicKeyInfo), the form {@code --authority-key} reads. */
    public String publicKeyPem() {
        String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(publicKey().getEncoded());
        return PEM_BEGIN + "\n" + base64 + "\n" + PEM_END + "\n";
    }

    /**
     * Parses an EC public key from PEM (SubjectPublicKeyInfo).
     *
     * @throws IllegalArgumentException if the text is not a PEM EC public key
     */
    public static PublicKey parsePublicKeyPem(String pem) {
        int begin = pem.indexOf(PEM_BEGIN);
        int end = pem.indexOf(PEM_END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("not a PEM public key: expected " + PEM_BEGIN + " ... " + PEM_END);
        }
        String base64 = pem.substring(begin + PEM_BEGIN.length(), end).replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(base64);
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
        } catch (IllegalArgumentException | InvalidKeySpecException e) {
            throw new IllegalArgumentException("not a PEM EC public key: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks EC keys", e);
        }
    }

    /**
     * Returns a signed request installing {@code writerNodeIds} (lowercase hex node ids) as
     * authorized-writer set {@code version}.
     */
    public InstallAuthorizationRequest sign(long version, Collection<String> writerNodeIds) {
        byte[] writerSet = AuthorizedWriterSet.newBuilder()
                .setVersion(version)
                .addAllWriterNodeIds(writerNodeIds)
                .build()
                .toByteArray();
        try {
            Signature signer = Signature.getInstance(SIGNATURE_ALGORITHM);
            signer.initSign(keyPair.getPrivate());
            signer.update(AuthorizedWriters.signedBytes(writerSet));
            return InstallAuthorizationRequest.newBuilder()
                    .setWriterSet(ByteString.copyFrom(writerSet))
                    .setSignature(ByteString.copyFrom(signer.sign()))
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not sign a writer set", e);
        }
    }
}
