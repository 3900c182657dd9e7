package dev.ratchet.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.ByteString;
import dev.ratchet.client.proto.KvError;
import dev.ratchet.sector.array.ArrayReadException;
import dev.ratchet.sector.array.ArrayWriteException;
import dev.ratchet.sector.array.SectorArray;
import dev.ratchet.sector.array.StripeWrite;
import dev.ratchet.tablet.proto.DataKeysView;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletMeta;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tablet versions as blobs: loads a version (from the cache of decrypted tablets, else from the
 * sector array, checked against the pinned shard digests, then authenticated and parsed), and
 * stores a new version (serialized, sealed under the current data key with a fresh nonce and the
 * tablet id and version as associated data, written to freshly reserved stripes).
 *
 * <p>A blob that does not authenticate or parse is UNREADABLE and logged loudly; it is never
 * served as an old or empty tablet. Plaintext never leaves this class except as parsed contents.
 *
 * <p>Thread-safe.
 */
final class TabletBlobs {
    private static final Logger log = LoggerFactory.getLogger(TabletBlobs.class);

    /** Bytes in a ChaCha20 nonce. */
    static final int NONCE_BYTES = 12;

    private final SectorArray array;
    private final TabletDirectory directory;
    private final StripePool pool;
    private final SlotWatch slots;
    private final int stripeDataBytes;
    private final SecureRandom random = new SecureRandom();
    private final Cache<TabletVersion, TabletContents> cache;

    /** A tablet at one version: the cache key (contents of a version never change). */
    record TabletVersion(long tabletId, long version) {}

    TabletBlobs(SectorArray array, int dataShards, TabletDirectory directory, StripePool pool, SlotWatch slots) {
        this.array = Objects.requireNonNull(array, "array");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.slots = Objects.requireNonNull(slots, "slots");
        this.stripeDataBytes = dataShards * 4096;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(ServingLimits.TABLET_CACHE_BYTES_MAX)
                .weigher((TabletVersion key, TabletContents contents) ->
                        (int) Math.min(Integer.MAX_VALUE, contents.plaintextBytes() + 64))
                .build();
    }

    /**
     * Returns the contents of {@code tablet} at the version it names.
     *
     * @throws KvException UNREADABLE if the blob cannot be read back or does not authenticate
     */
    TabletContents load(TabletMeta tablet) {
        TabletVersion key = new TabletVersion(tablet.getTabletId(), tablet.getVersion());
        TabletContents cached = cache.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        TabletContents loaded = fetch(tablet);
        cache.put(key, loaded);
        return loaded;
    }

    /**
     * Remembers {@code contents} as tablet {@code tabletId} at {@code version} (just committed) and
     * forgets the version it replaced.
     *
     * <p>The superseded version must go: otherwise every commit leaves one dead entry behind, the
     * cache fills with them, and Caffeine's frequency-based admission then turns away each new
     * version (seen once) in favour of old ones (seen twice), so every flush read its tablet back
     * from the array. That showed up as signature checks of sector reads in a put-only profile.
     */
    void remember(long tabletId, long version, TabletContents contents) {
        cache.invalidate(new TabletVersion(tabletId, version - 1));
        cache.put(new TabletVersion(tabletId, version), contents);
    }

    /**
     * Seals {@code contents} as tablet {@code tabletId} at {@code version} under the current data
     * key and writes it to fresh stripes; returns the blob to commit. If the commit does not take
     * the blob, the caller gives its stripes back to the pool.
     *
     * @throws KvException STORAGE_FULL if the blob is too big for one tablet or the array is full;
     *     NOT_SERVING if the array cannot take the write
     */
    TabletBlob store(TabletContents contents, long tabletId, long version) {
        byte[] plaintext = contents.serialize();
        DataKeysView keys = directory.dataKeys();
        long epoch = keys.getCurrentEpoch();
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        TabletSeal.SealedTablet sealed =
                TabletSeal.seal(directory.dataKey(epoch), epoch, tabletId, version, plaintext, nonce);
        byte[] ciphertext = sealed.ciphertext();
        int stripeCount = (ciphertext.length + stripeDataBytes - 1) / stripeDataBytes;
        if (stripeCount > ServingLimits.STRIPES_PER_TABLET_MAX) {
            throw new KvException(
                    KvError.STORAGE_FULL,
                    "tablet " + tabletId + " would need " + stripeCount + " stripes, over the limit of "
                            + ServingLimits.STRIPES_PER_TABLET_MAX);
        }
        StripeWrite written = writeStripes(ciphertext, stripeCount);
        TabletBlob.Builder blob = TabletBlob.newBuilder()
                .setLengthBytes(ciphertext.length)
                .setNonce(ByteString.copyFrom(sealed.nonce()))
                .setMac(ByteString.copyFrom(sealed.mac()))
                .setKeyEpoch(epoch)
                .setPlaintextBytes(plaintext.length)
                .setKeyCount(contents.keyCount());
        for (long stripe : written.stripes()) {
            blob.addStripes(stripe);
        }
        for (byte[] digest : written.shardDigests()) {
            blob.addShardDigests(ByteString.copyFrom(digest));
        }
        return blob.build();
    }

    /** Returns the stripes of {@code blob} to the pool: a commit did not take them. */
    void giveBack(TabletBlob blob) {
        pool.giveBack(blob.getStripesList().stream().mapToLong(Long::longValue).toArray());
    }

    private StripeWrite writeStripes(byte[] ciphertext, int stripeCount) {
        for (int attempt = 1; ; attempt++) {
            long[] stripes = pool.take(stripeCount);
            try {
                return array.write(stripes, ciphertext).join();
            } catch (CompletionException | ArrayWriteException e) {
                pool.giveBack(stripes);
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (!(cause instanceof ArrayWriteException failed)) {
                    throw new KvException(KvError.NOT_SERVING, "the array write failed: " + cause, cause);
                }
                if (attempt >= ServingLimits.WRITE_ATTEMPTS_MAX) {
                    throw new KvException(
                            KvError.NOT_SERVING, "the array write failed: " + failed.getMessage(), failed);
                }
                log.warn("array write failed (attempt {}): {}", attempt, failed.getMessage());
                slots.afterWriteFailure(failed.faults());
            }
        }
    }

    private TabletContents fetch(TabletMeta tablet) {
        TabletBlob blob = tablet.getBlob();
        if (blob.getStripesCount() == 0) {
            return TabletContents.empty(tablet.getTabletId());
        }
        long[] stripes =
                blob.getStripesList().stream().mapToLong(Long::longValue).toArray();
        List<byte[]> digests = new ArrayList<>(blob.getShardDigestsCount());
        for (ByteString digest : blob.getShardDigestsList()) {
            digests.add(digest.toByteArray());
        }
        byte[] ciphertext;
        try {
            ciphertext =
                    array.read(stripes, (int) blob.getLengthBytes(), digests).join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            KvError error = cause instanceof ArrayReadException ? KvError.UNREADABLE : KvError.NOT_SERVING;
            throw new KvException(
                    error,
                    "tablet " + tablet.getTabletId() + " v" + tablet.getVersion() + " could not be read: "
                            + cause.getMessage(),
                    cause);
        }
        try {
            byte[] plaintext = TabletSeal.open(
                    directory.dataKey(blob.getKeyEpoch()),
                    blob.getKeyEpoch(),
                    tablet.getTabletId(),
                    tablet.getVersion(),
                    ciphertext,
                    blob.getNonce().toByteArray(),
                    blob.getMac().toByteArray());
            return TabletContents.parse(plaintext, tablet.getTabletId());
        } catch (TabletIntegrityException | CorruptTabletException e) {
            log.error(
                    "TABLET {} VERSION {} FAILED AUTHENTICATION OR PARSING though its shards matched their pinned"
                            + " digests: a wrong data key or a writer bug; not serving it: {}",
                    tablet.getTabletId(),
                    tablet.getVersion(),
                    e.getMessage());
            throw new KvException(
                    KvError.UNREADABLE,
                    "tablet " + tablet.getTabletId() + " v" + tablet.getVersion() + " failed authentication",
                    e);
        }
    }
}
