package dev.ratchet.sector.server;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ratchet.sector.proto.AuthorizedWriterSet;
import dev.ratchet.sector.proto.SectorError;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Pattern;

/**
 * The set of node ids allowed to write to this sector server, as last signed by the writer
 * authority, and the only code that changes it.
 *
 * <p>Threats and defences:
 *
 * <ul>
 *   <li>An attested peer that is not an authorized cache node (a client tool, a stale cache node
 *       the tablet store has since dropped) writes garbage over live shards. Defence: writes and
 *       trims need the caller's TLS-attested node id in the installed set.
 *   <li>Anyone forges a set naming themselves. Defence: a set is installed only if it verifies
 *       under the authority key (SHA256withECDSA over {@link #DOMAIN} ‖ 0x00 ‖ the serialized set,
 *       exactly as received, so re-encoding cannot change what was signed). The bytes are parsed
 *       only after the signature verifies.
 *   <li>Someone swaps the authority key for their own. Defence: the key is set once, at start or
 *       by the first {@link #installAuthority} (an unclaimed server), and never changes; until it
 *       is set nobody may write, trim or install a set (AUTHORITY_NOT_SET). Who may claim an
 *       unclaimed server, and why a wrong claim costs only availability, is in {@link
 *       SectorServer}'s javadoc.
 *   <li>A host replays an older, genuinely signed set to bring back a revoked writer. Defence:
 *       versions only move up; a set at or below the installed version is refused, so
 *       authorization never rolls back while this process lives. (A restarted server is a new node
 *       with nothing installed; it gets the current set from the tablet store again.)
 * </ul>
 *
 * <p><b>The install is a fence.</b> A write or trim runs its check and its change to the sectors
 * as one step ({@link #runAsWriter}) under the shared side of a read-write lock, and an install
 * swaps the set under the exclusive side. So when {@link #install} returns, no operation that
 * passed its check under the old set is still changing sectors, and every later one is checked
 * against the new set. The cache nodes rely on this: a trimmer installs the set without a removed
 * node everywhere before it zeroes and frees that node's stripes, and the removed node's late
 * writes or trims must not land after that (ARCHITECTURE.md, "Trims"). A check and a change as two
 * separate steps would let an install complete between them.
 *
 * <p>Thread-safe: {@link #install} and {@link #installAuthority} are serialized with each other.
 */
final class AuthorizedWriters {
    /** The domain string that opens every signed writer set. */
    static final byte[] DOMAIN = "ratchet/authorized-writers/v1".getBytes(StandardCharsets.US_ASCII);

    /** Writers in one set: far more cache nodes than any cluster runs, while bounding the set's memory. */
    static final int WRITERS_MAX = 1024;

    /** A serialized set's size: {@link #WRITERS_MAX} ids of 67 bytes each on the wire, with room to spare. */
    static final int WRITER_SET_BYTES_MAX = 128 * 1024;

    /** A DER ECDSA signature's size: P-521 needs at most 139 bytes, so anything longer is junk. */
    static final int SIGNATURE_BYTES_MAX = 256;

    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final Pattern NODE_ID = Pattern.compile("[0-9a-f]{64}");

    /** An authority key's SubjectPublicKeyInfo: P-521 needs 158 bytes, so anything over this is junk. */
    static final int AUTHORITY_KEY_BYTES_MAX = 1024;

    // Set once (under this object's monitor), then never changed; null while the server is unclaimed.
    private volatile PublicKey authorityKey;
    // Replaced whole under this object's monitor and the fence's write lock; read without them.
    private volatile Installed installed = new Installed(0, Set.of());
    // Shared by running writes and trims, exclusive for the swap of an install (see the class doc).
    private final ReentrantReadWriteLock fence = new ReentrantReadWriteLock();

    /** A change to the sectors made under a writer's authorization. */
    interface AuthorizedAction {
        void run() throws SectorRefusedException;
    }

    /**
     * Creates an empty authorization (version 0: nobody may write) checked against {@code authorityKey}.
     *
     * @throws IllegalArgumentException if the key is not an EC key
     */
    AuthorizedWriters(PublicKey authorityKey) {
        this.authorityKey = requireEc(Objects.requireNonNull(authorityKey, "authorityKey"));
    }

    /** Creates an unclaimed authorization: nothing is allowed until {@link #installAuthority}. */
    AuthorizedWriters() {
        this.authorityKey = null;
    }

    /** Returns the authority key, empty while the server is unclaimed. */
    Optional<PublicKey> authorityKey() {
        return Optional.ofNullable(authorityKey);
    }

    /** Returns the installed version, 0 if none. */
    long version() {
        return installed.version();
    }

    /**
     * Sets the authority key from its SubjectPublicKeyInfo DER if none is set, and returns the key
     * now installed. Installing the key already set is a no-op, so a retried claim succeeds.
     *
     * @throws SectorRefusedException MALFORMED_REQUEST if the bytes are not an EC public key, or
     *     AUTHORITY_ALREADY_SET if a different key is installed
     */
    synchronized PublicKey installAuthority(byte[] spki) throws SectorRefusedException {
        PublicKey requested = parseAuthorityKey(spki);
        PublicKey current = authorityKey;
        if (current == null) {
            authorityKey = requested;
            return requested;
        }
        if (!Arrays.equals(current.getEncoded(), requested.getEncoded())) {
            throw new SectorRefusedException(
                    SectorError.AUTHORITY_ALREADY_SET,
                    "this server already belongs to another authority; it never changes it (start a fresh server)");
        }
        return current;
    }

    /**
     * Installs a signed set if it verifies and is newer than the installed one; returns its version.
     *
     * @throws SectorRefusedException AUTHORIZATION_SIGNATURE, MALFORMED_REQUEST or AUTHORIZATION_ROLLBACK
     */
    synchronized long install(byte[] writerSet, byte[] signature) throws SectorRefusedException {
        PublicKey key = requireAuthority();
        if (writerSet.length > WRITER_SET_BYTES_MAX || signature.length > SIGNATURE_BYTES_MAX) {
            throw new SectorRefusedException(
                    SectorError.MALFORMED_REQUEST,
                    "writer set of " + writerSet.length + " bytes or signature of " + signature.length
                            + " bytes is over the limit (" + WRITER_SET_BYTES_MAX + ", " + SIGNATURE_BYTES_MAX + ")");
        }
        verifySignature(key, writerSet, signature);
        AuthorizedWriterSet set = parse(writerSet);
        Installed current = installed;
        if (Long.compareUnsigned(set.getVersion(), current.version()) <= 0) {
            throw new SectorRefusedException(
                    SectorError.AUTHORIZATION_ROLLBACK,
                    "writer set v" + Long.toUnsignedString(set.getVersion()) + " is not newer than installed v"
                            + Long.toUnsignedString(current.version()));
        }
        Installed next = new Installed(set.getVersion(), Set.copyOf(set.getWriterNodeIdsList()));
        // Waits for every write and trim in flight: none checked under the old set outlives this.
        fence.writeLock().lock();
        try {
            installed = next;
        } finally {
            fence.writeLock().unlock();
        }
        return set.getVersion();
    }

    /**
     * Runs {@code action} if {@code nodeId} may write under the installed set, with no install
     * completing between the check and the end of the action.
     *
     * @param claimedVersion the version the writer believes current, 0 for "don't care"
     * @throws SectorRefusedException AUTHORITY_NOT_SET, WRITER_NOT_AUTHORIZED or AUTHORIZATION_STALE
     *     (and the action does not run), or what the action throws
     */
    void runAsWriter(String nodeId, long claimedVersion, AuthorizedAction action) throws SectorRefusedException {
        fence.readLock().lock();
        try {
            checkWriter(nodeId, claimedVersion);
            action.run();
        } finally {
            fence.readLock().unlock();
        }
    }

    /**
     * Checks that {@code nodeId} may write under the installed set.
     *
     * @param claimedVersion the version the writer believes current, 0 for "don't care"
     * @throws SectorRefusedException AUTHORITY_NOT_SET, WRITER_NOT_AUTHORIZED or AUTHORIZATION_STALE
     */
    void checkWriter(String nodeId, long claimedVersion) throws SectorRefusedException {
        requireAuthority();
        Installed current = installed;
        // Unsigned compare: versions are uint64 on the wire.
        if (Long.compareUnsigned(claimedVersion, current.version()) > 0) {
            throw new SectorRefusedException(
                    SectorError.AUTHORIZATION_STALE,
                    "writer holds v" + Long.toUnsignedString(claimedVersion) + " but this server has v"
                            + current.version() + "; install the newer set first");
        }
        if (!current.writers().contains(nodeId)) {
            throw new SectorRefusedException(
                    SectorError.WRITER_NOT_AUTHORIZED,
                    current.version() == 0
                            ? "node " + nodeId + " may not write: no writer set is installed"
                            : "node " + nodeId + " is not in writer set v" + current.version());
        }
    }

    /** Returns the bytes the authority signs for {@code writerSet}. */
    static byte[] signedBytes(byte[] writerSet) {
        byte[] signed = new byte[DOMAIN.length + 1 + writerSet.length];
        System.arraycopy(DOMAIN, 0, signed, 0, DOMAIN.length);
        System.arraycopy(writerSet, 0, signed, DOMAIN.length + 1, writerSet.length);
        return signed;
    }

    private PublicKey requireAuthority() throws SectorRefusedException {
        PublicKey key = authorityKey;
        if (key == null) {
            throw new SectorRefusedException(
                    SectorError.AUTHORITY_NOT_SET,
                    "this server is unclaimed: no cluster authority key is installed yet (InstallAuthority)");
        }
        return key;
    }

    private static PublicKey parseAuthorityKey(byte[] spki) throws SectorRefusedException {
        if (spki.length == 0 || spki.length > AUTHORITY_KEY_BYTES_MAX) {
            throw new SectorRefusedException(
                    SectorError.MALFORMED_REQUEST,
                    "authority key of " + spki.length + " bytes; expected 1.." + AUTHORITY_KEY_BYTES_MAX);
        }
        try {
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
        } catch (InvalidKeySpecException | IllegalArgumentException e) {
            throw new SectorRefusedException(
                    SectorError.MALFORMED_REQUEST, "authority key is not an EC SubjectPublicKeyInfo");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks EC keys", e);
        }
    }

    private static PublicKey requireEc(PublicKey key) {
        if (!"EC".equals(key.getAlgorithm())) {
            throw new IllegalArgumentException("the writer authority key must be EC, not " + key.getAlgorithm());
        }
        return key;
    }

    private static void verifySignature(PublicKey authorityKey, byte[] writerSet, byte[] signature)
            throws SectorRefusedException {
        boolean valid;
        try {
            Signature verifier = Signature.getInstance(SIGNATURE_ALGORITHM);
            verifier.initVerify(authorityKey);
            verifier.update(signedBytes(writerSet));
            valid = verifier.verify(signature);
        } catch (SignatureException e) {
            // Not even well-formed DER: as wrong as a signature that does not verify.
            valid = false;
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("the authority key cannot verify " + SIGNATURE_ALGORITHM, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + SIGNATURE_ALGORITHM, e);
        }
        if (!valid) {
            throw new SectorRefusedException(
                    SectorError.AUTHORIZATION_SIGNATURE, "writer set is not signed by the configured authority key");
        }
    }

    // Only called on signed bytes: a malformed set here means the authority itself is broken.
    private static AuthorizedWriterSet parse(byte[] writerSet) throws SectorRefusedException {
        AuthorizedWriterSet set;
        try {
            set = AuthorizedWriterSet.parseFrom(writerSet);
        } catch (InvalidProtocolBufferException e) {
            throw new SectorRefusedException(SectorError.MALFORMED_REQUEST, "signed writer set is not a protobuf");
        }
        if (set.getWriterNodeIdsCount() > WRITERS_MAX) {
            throw new SectorRefusedException(
                    SectorError.MALFORMED_REQUEST,
                    "writer set names " + set.getWriterNodeIdsCount() + " writers; the limit is " + WRITERS_MAX);
        }
        for (String nodeId : set.getWriterNodeIdsList()) {
            if (!NODE_ID.matcher(nodeId).matches()) {
                throw new SectorRefusedException(
                        SectorError.MALFORMED_REQUEST,
                        "writer set holds a node id that is not 64 lowercase hex digits");
            }
        }
        return set;
    }

    private record Installed(long version, Set<String> writers) {}
}
