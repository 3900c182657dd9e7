package dev.ratchet.cache;

import com.google.protobuf.ByteString;
import dev.ratchet.client.proto.KvError;
import dev.ratchet.raft.RaftUnavailableException;
import dev.ratchet.raft.RequestRefusedException;
import dev.ratchet.tablet.Proposals;
import dev.ratchet.tablet.TabletStoreClient;
import dev.ratchet.tablet.proto.ArrayQuery;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.AuthorizedWritersQuery;
import dev.ratchet.tablet.proto.ClusterQuery;
import dev.ratchet.tablet.proto.ClusterView;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.DataKey;
import dev.ratchet.tablet.proto.DataKeysQuery;
import dev.ratchet.tablet.proto.DataKeysView;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.QueryResult;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.RingQuery;
import dev.ratchet.tablet.proto.SignedWriterSet;
import dev.ratchet.tablet.proto.TabletMeta;
import dev.ratchet.tablet.proto.TabletsById;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache node's link to the tablet store: typed linearizable queries, command submission with
 * one same-object resubmission, and the two things it caches (the ring snapshot and the data
 * keys), each refreshed on demand.
 *
 * <p>Failures become {@link KvException}s: a query that got no answer is NOT_SERVING (nothing was
 * applied); a command whose answer never came, even after resubmitting the same object (same
 * request id, so the store applies it at most once), is OUTCOME_UNKNOWN.
 *
 * <p>Thread-safe: the caches are volatile immutable snapshots.
 */
final class TabletDirectory {
    private static final Logger log = LoggerFactory.getLogger(TabletDirectory.class);

    private final TabletStoreClient client;
    private final Proposals proposals;
    private final String nodeId;
    private final AtomicLong clockTicks = new AtomicLong();

    /**
     * Test hook, off by default: the commands whose answer is dropped after the store applied
     * them, as if the connection to the leader broke just then. Set only by tests through {@link
     * CacheNode#dropCommandAnswersForTest}.
     */
    private volatile Predicate<Command> dropAnswer = command -> false;

    /**
     * Test hook, off by default: the commands lost before the store logged them, answered
     * OUTCOME_UNKNOWN, as when the leader that took them died before replicating them. Set only by
     * tests through {@link CacheNode#loseCommandsForTest}.
     */
    private volatile Predicate<Command> lose = command -> false;

    /** Test hook: the unexpected failure to throw once the store applied a command, or null. */
    private volatile Function<Command, RuntimeException> failAfterApply = command -> null;

    private volatile RingSnapshot ring;
    private volatile DataKeysView dataKeys;
    private volatile ByteString authorityPublicKeySpki;

    TabletDirectory(TabletStoreClient client, Proposals proposals, String nodeId) {
        this.client = Objects.requireNonNull(client, "client");
        this.proposals = Objects.requireNonNull(proposals, "proposals");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    }

    String nodeId() {
        return nodeId;
    }

    Proposals proposals() {
        return proposals;
    }

    TabletStoreClient client() {
        return client;
    }

    /** Returns the last ring snapshot, querying one if there is none. */
    RingSnapshot ring() {
        RingSnapshot current = ring;
        return current != null ? current : refreshRing();
    }

    /** Queries the ring and keeps it. */
    RingSnapshot refreshRing() {
        RingSnapshot fresh = new RingSnapshot(
                query(Query.newBuilder().setRing(RingQuery.getDefaultInstance()).build())
                        .getRing()
                        .getTabletsList());
        ring = fresh;
        return fresh;
    }

    /**
     * Returns the current metadata of the tablets {@code ids} that still exist, linearizably. An
     * id that a merge retired is simply absent from the map.
     */
    Map<Long, TabletMeta> tabletsById(Collection<Long> ids) {
        QueryResult result = queryAllowingUnknown(Query.newBuilder()
                .setTabletsById(TabletsById.newBuilder().addAllTabletIds(ids))
                .build());
        Map<Long, TabletMeta> found = new HashMap<>();
        if (result.getStatus() == QueryResult.Status.UNKNOWN_TABLET) {
            // Some tablet was merged away: the ring (also linearizable) has the ones that remain.
            for (TabletMeta tablet : refreshRing().tablets()) {
                if (ids.contains(tablet.getTabletId())) {
                    found.put(tablet.getTabletId(), tablet);
                }
            }
            return found;
        }
        for (TabletMeta tablet : result.getTablets().getTabletsList()) {
            found.put(tablet.getTabletId(), tablet);
        }
        return found;
    }

    ArrayView array() {
        return query(Query.newBuilder()
                        .setArray(ArrayQuery.getDefaultInstance())
                        .build())
                .getArray();
    }

    ClusterView cluster() {
        ClusterView view = query(Query.newBuilder()
                        .setCluster(ClusterQuery.getDefaultInstance())
                        .build())
                .getCluster();
        observeClock(view.getClockTicks());
        return view;
    }

    /**
     * Returns the newest tablet-store logical clock this node has seen (ClusterView.clock_ticks),
     * from its heartbeats' answers (every 2 s) and cluster queries; 0 before the first. Lags the
     * store's by at most about a heartbeat interval while the store answers.
     */
    long clockTicks() {
        return clockTicks.get();
    }

    /** Moves this node's copy of the store clock to {@code ticks} if that is newer. */
    void observeClock(long ticks) {
        clockTicks.accumulateAndGet(ticks, Math::max);
    }

    SignedWriterSet authorizedWriters() {
        return query(Query.newBuilder()
                        .setAuthorizedWriters(AuthorizedWritersQuery.getDefaultInstance())
                        .build())
                .getAuthorizedWriters();
    }

    /**
     * Returns the cluster authority's public key (SPKI). It is drawn at bootstrap and never
     * changes, so it is queried once and kept, not read again on every Status call.
     */
    ByteString authorityPublicKeySpki() {
        ByteString known = authorityPublicKeySpki;
        if (known == null) {
            known = authorizedWriters().getAuthorityPublicKeySpki();
            authorityPublicKeySpki = known;
        }
        return known;
    }

    /** Returns the data keys, querying them if none are held. */
    DataKeysView dataKeys() {
        DataKeysView current = dataKeys;
        return current != null ? current : refreshDataKeys();
    }

    DataKeysView refreshDataKeys() {
        DataKeysView fresh = query(Query.newBuilder()
                        .setDataKeys(DataKeysQuery.getDefaultInstance())
                        .build())
                .getDataKeys();
        dataKeys = fresh;
        return fresh;
    }

    /**
     * Returns the key of {@code epoch}, refreshing the keys once if it is not held.
     *
     * @throws KvException UNREADABLE if the store no longer holds it (erased by rotation)
     */
    byte[] dataKey(long epoch) {
        for (int attempt = 0; attempt < 2; attempt++) {
            DataKeysView keys = attempt == 0 ? dataKeys() : refreshDataKeys();
            for (DataKey key : keys.getKeysList()) {
                if (key.getEpoch() == epoch) {
                    return key.getKey().toByteArray();
                }
            }
        }
        throw new KvException(KvError.UNREADABLE, "the data key of epoch " + epoch + " is gone");
    }

    /**
     * Submits {@code command}; if no answer came, resubmits the same object once (its request id
     * makes that apply at most once).
     *
     * @throws KvException OUTCOME_UNKNOWN if neither attempt was answered, or the answer was a
     *     failure, or anything unexpected broke once the command was sent; NOT_SERVING only if the
     *     store refused the request before logging it
     */
    Result submit(Command command) {
        for (int attempt = 1; ; attempt++) {
            try {
                if (lose.test(command)) {
                    throw new KvException(
                            KvError.OUTCOME_UNKNOWN, "test hook: the command was lost before the store logged it");
                }
                Result result = client.submit(command);
                if (dropAnswer.test(command)) {
                    throw new KvException(
                            KvError.OUTCOME_UNKNOWN, "test hook: the answer to an applied command was dropped");
                }
                RuntimeException injected = failAfterApply.apply(command);
                if (injected != null) {
                    throw injected;
                }
                return result;
            } catch (RaftUnavailableException e) {
                if (attempt >= 2 || e.outcome() == RaftUnavailableException.Outcome.NOT_APPLIED) {
                    KvError error = e.outcome() == RaftUnavailableException.Outcome.UNKNOWN
                            ? KvError.OUTCOME_UNKNOWN
                            : KvError.NOT_SERVING;
                    throw new KvException(error, "the tablet store did not answer: " + e.getMessage(), e);
                }
                log.warn("tablet store did not answer {}; resubmitting the same command", command.getKindCase());
            } catch (RequestRefusedException e) {
                // Refused on the client port, before the command was logged: not applied.
                throw new KvException(KvError.NOT_SERVING, "the tablet store refused the request: " + e, e);
            } catch (IOException e) {
                // A failed reply to a command that was sent: it may have been applied.
                throw new KvException(
                        KvError.OUTCOME_UNKNOWN, "the tablet store answered the command with a failure: " + e, e);
            } catch (KvException e) {
                throw e;
            } catch (RuntimeException e) {
                // Whatever broke, the command was handed to the Raft client and may have been
                // applied: saying "not applied" (NOT_SERVING) could make a client give up on a
                // write that took effect, or apply a different one in its place.
                throw new KvException(
                        KvError.OUTCOME_UNKNOWN, "unexpected failure after the command was sent: " + e, e);
            }
        }
    }

    /** Test hook: throws {@code failure.apply(command)}, when not null, after the store applied the command. */
    void failAfterApplyForTest(Function<Command, RuntimeException> failure) {
        failAfterApply = Objects.requireNonNull(failure, "failure");
    }

    /** Test hook: loses every command {@code which} accepts before it is sent; see {@link #lose}. */
    void loseForTest(Predicate<Command> which) {
        lose = Objects.requireNonNull(which, "which");
    }

    /** Test hook: drops the answer to every applied command {@code which} accepts; see {@link #dropAnswer}. */
    void dropAnswersForTest(Predicate<Command> which) {
        dropAnswer = Objects.requireNonNull(which, "which");
    }

    /** Returns a command builder with a fresh request id. */
    Command.Builder command() {
        return proposals.command();
    }

    private QueryResult query(Query query) {
        QueryResult result = queryAllowingUnknown(query);
        if (result.getStatus() != QueryResult.Status.OK) {
            throw new KvException(
                    KvError.NOT_SERVING,
                    "the tablet store answered " + result.getStatus() + " to " + query.getKindCase() + ": "
                            + result.getDetail());
        }
        return result;
    }

    private QueryResult queryAllowingUnknown(Query query) {
        QueryResult result;
        try {
            result = client.query(query);
        } catch (IOException e) {
            throw new KvException(KvError.NOT_SERVING, "the tablet store did not answer a query: " + e.getMessage(), e);
        }
        if (result.getStatus() != QueryResult.Status.OK && result.getStatus() != QueryResult.Status.UNKNOWN_TABLET) {
            throw new KvException(
                    KvError.NOT_SERVING,
                    "the tablet store answered " + result.getStatus() + " to " + query.getKindCase() + ": "
                            + result.getDetail());
        }
        return result;
    }
}
