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
import dev.ratchet.tablet.proto.Reservation;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletMeta;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tablet versions as blobs: loads a version (from the cache of decrypted tablets, else from the
 * sector array: the base blob and every delta blob on top of it, each checked against its pinned
 * shard digests, authenticated and parsed, the deltas applied in order), and stores a new version
 * as a whole tablet or as a delta (serialized, sealed under the current data key with a fresh
 * nonce and the tablet id, version and blob kind bound in, written to freshly reserved stripes).
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
    private final UnsettledCommits unsettled = new UnsettledCommits();

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
        return seal(TabletSeal.Kind.TABLET, contents.serialize(), contents, tabletId, version);
    }

    /**
     * Seals {@code delta} (whose result is {@code contents}) as the delta that makes tablet {@code
     * tabletId} version {@code version}, and writes it to fresh stripes; returns the blob to
     * commit with {@code TabletCommit.delta} set. Its plaintext size and key count are those of
     * the whole tablet after it, as for a whole-tablet blob, so split and status read them the
     * same way.
     *
     * @throws KvException as {@link #store}
     */
    TabletBlob storeDelta(TabletDelta delta, TabletContents contents, long tabletId, long version) {
        return seal(TabletSeal.Kind.DELTA, delta.serialize(), contents, tabletId, version);
    }

    /** Returns the number of stripes a sealed plaintext of {@code plaintextBytes} occupies. */
    int stripesFor(long plaintextBytes) {
        return (int) Math.min(Integer.MAX_VALUE, (plaintextBytes + stripeDataBytes - 1) / stripeDataBytes);
    }

    private TabletBlob seal(
            TabletSeal.Kind kind, byte[] plaintext, TabletContents contents, long tabletId, long version) {
        DataKeysView keys = directory.dataKeys();
        long epoch = keys.getCurrentEpoch();
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        TabletSeal.SealedTablet sealed =
                TabletSeal.seal(kind, directory.dataKey(epoch), epoch, tabletId, version, plaintext, nonce);
        byte[] ciphertext = sealed.ciphertext();
        int stripeCount = stripesFor(ciphertext.length);
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
                .setPlaintextBytes(contents.plaintextBytes())
                .setKeyCount(contents.keyCount());
        for (long stripe : written.stripes()) {
            blob.addStripes(stripe);
        }
        for (byte[] digest : written.shardDigests()) {
            blob.addShardDigests(ByteString.copyFrom(digest));
        }
        // Which servers hold it: the store refuses it if it skipped one the store has in a slot.
        blob.addAllWrittenSlotNodeIds(written.writtenSlotNodeIds());
        return blob.build();
    }

    /**
     * Brings this node's array in line with the store's view now (adopting a replacement server),
     * after the store refused a blob ARRAY_CHANGED because it skipped a server the store has.
     */
    void followArray() {
        slots.catchUp();
    }

    /** Returns every blob {@code tablet} needs at its version: the base, then each delta in order. */
    static List<TabletBlob> blobsOf(TabletMeta tablet) {
        List<TabletBlob> blobs = new ArrayList<>(1 + tablet.getDeltasCount());
        blobs.add(tablet.getBlob());
        blobs.addAll(tablet.getDeltasList());
        return blobs;
    }

    /**
     * Holds the stripes of {@code written}, the blobs of a commit naming {@code guards} whose
     * outcome is unknown, until {@link #settleUnknownCommits} learns whether it took them.
     */
    void holdUnsettled(List<TabletBlob> written, List<UnsettledCommits.Guard> guards) {
        unsettled.hold(
                written.stream()
                        .flatMap(blob -> blob.getStripesList().stream())
                        .mapToLong(Long::longValue)
                        .toArray(),
                guards);
    }

    /**
     * Settles the held stripes of commits that can no longer apply against the store's state (two
     * linearizable queries, only while some are held), and gives back to the pool those no commit
     * took; returns how many went back.
     */
    int settleUnknownCommits() {
        Set<Long> ids = unsettled.tabletIds();
        if (ids.isEmpty()) {
            return 0;
        }
        Map<Long, TabletMeta> tablets = directory.tabletsById(ids);
        // Read after the tablets: a commit that can no longer apply can no longer consume either.
        Set<Long> reserved = new HashSet<>();
        for (Reservation reservation : directory.array().getReservationsList()) {
            if (reservation.getCacheNodeId().equals(directory.nodeId())) {
                reserved.addAll(reservation.getStripesList());
            }
        }
        List<Long> notTaken = unsettled.settle(tablets, reserved);
        if (!notTaken.isEmpty()) {
            pool.giveBack(notTaken.stream().mapToLong(Long::longValue).toArray());
            log.info(
                    "{} stripes of commits whose outcome was unknown were not taken; back in the pool",
                    notTaken.size());
        }
        return notTaken.size();
    }

    /** Returns how many stripes of commits with unknown outcomes are held (for tests). */
    int unsettledStripeCount() {
        return unsettled.stripeCount();
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
        long tabletId = tablet.getTabletId();
        int deltaCount = tablet.getDeltasCount();
        long baseVersion = tablet.getVersion() - deltaCount;
        // Every blob's stripes are read at once; the base and the deltas are then opened in order.
        CompletableFuture<byte[]> base = read(tablet.getBlob());
        List<CompletableFuture<byte[]>> deltas = new ArrayList<>(deltaCount);
        for (TabletBlob delta : tablet.getDeltasList()) {
            deltas.add(read(delta));
        }
        TabletContents contents = TabletContents.empty(tabletId);
        if (tablet.getBlob().getStripesCount() > 0) {
            byte[] plaintext = open(TabletSeal.Kind.TABLET, tablet, tablet.getBlob(), baseVersion, join(base, tablet));
            try {
                contents = TabletContents.parse(plaintext, tabletId);
            } catch (CorruptTabletException e) {
                throw unreadable(tablet, baseVersion, e);
            }
        }
        for (int i = 0; i < deltaCount; i++) {
            long version = baseVersion + i + 1;
            TabletBlob blob = tablet.getDeltas(i);
            byte[] plaintext = open(TabletSeal.Kind.DELTA, tablet, blob, version, join(deltas.get(i), tablet));
            try {
                contents = TabletDelta.parse(plaintext, tabletId).applyTo(contents);
            } catch (CorruptTabletException e) {
                throw unreadable(tablet, version, e);
            }
        }
        return contents;
    }

    private CompletableFuture<byte[]> read(TabletBlob blob) {
        if (blob.getStripesCount() == 0) {
            return CompletableFuture.completedFuture(new byte[0]);
        }
        long[] stripes =
                blob.getStripesList().stream().mapToLong(Long::longValue).toArray();
        List<byte[]> digests = new ArrayList<>(blob.getShardDigestsCount());
        for (ByteString digest : blob.getShardDigestsList()) {
            digests.add(digest.toByteArray());
        }
        return array.read(stripes, (int) blob.getLengthBytes(), digests);
    }

    private static byte[] join(CompletableFuture<byte[]> read, TabletMeta tablet) {
        try {
            return read.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            KvError error = cause instanceof ArrayReadException ? KvError.UNREADABLE : KvError.NOT_SERVING;
            throw new KvException(
                    error,
                    "tablet " + tablet.getTabletId() + " v" + tablet.getVersion() + " could not be read: "
                            + cause.getMessage(),
                    cause);
        }
    }

    /** Authenticates and decrypts one blob of {@code tablet}, sealed as {@code version}. */
    private byte[] open(TabletSeal.Kind kind, TabletMeta tablet, TabletBlob blob, long version, byte[] ciphertext) {
        try {
            return TabletSeal.open(
                    kind,
                    directory.dataKey(blob.getKeyEpoch()),
                    blob.getKeyEpoch(),
                    tablet.getTabletId(),
                    version,
                    ciphertext,
                    blob.getNonce().toByteArray(),
                    blob.getMac().toByteArray());
        } catch (TabletIntegrityException e) {
            throw unreadable(tablet, version, e);
        }
    }

    private static KvException unreadable(TabletMeta tablet, long version, Exception e) {
        log.error(
                "TABLET {} VERSION {} (BLOB OF VERSION {}) FAILED AUTHENTICATION OR PARSING though its shards matched"
                        + " their pinned digests: a wrong data key or a writer bug; not serving it: {}",
                tablet.getTabletId(),
                tablet.getVersion(),
                version,
                e.getMessage());
        return new KvException(
                KvError.UNREADABLE,
                "tablet " + tablet.getTabletId() + " v" + tablet.getVersion() + " failed authentication",
                e);
    }
}
