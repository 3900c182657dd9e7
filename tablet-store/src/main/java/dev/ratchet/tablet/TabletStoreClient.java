package dev.ratchet.tablet;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ratchet.raft.RaftGroupClient;
import dev.ratchet.raft.RaftUnavailableException;
import dev.ratchet.raft.RequestRefusedException;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.Query;
import dev.ratchet.tablet.proto.QueryResult;
import dev.ratchet.tablet.proto.Result;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeer;

/**
 * A typed client of the tablet store: submits {@link Command}s and runs linearizable {@link
 * Query}s over a {@link RaftGroupClient} of the group {@link TabletStoreNode#GROUP_ID}.
 *
 * <p><b>Retries.</b> The group client retries within a bounded budget and keeps the Raft call id,
 * so the servers' retry cache absorbs a quick retry. Past that, the command's request id makes a
 * resubmission safe: the state machine returns the recorded result with {@code replayed} set,
 * without applying again. So when {@link #submit} throws {@link RaftUnavailableException} with
 * outcome {@code UNKNOWN}, resubmit the <em>same</em> command, never a rebuilt one.
 *
 * <p><b>Refusals.</b> Every replica checks who may submit what before anything is logged (the
 * rules are in ARCHITECTURE.md, "Tablet store on Raft"): a refused command or query fails with
 * {@link RequestRefusedException}, whose {@link RequestRefusedException#code() code} is {@link
 * #CACHE_NODE_ID_MISMATCH}, {@link #ROLE_NOT_ALLOWED}, or one of raft-core's codes listed on that
 * exception. Nothing changed, and resubmitting the same command is refused the same way; the
 * client stays usable for other requests.
 *
 * <p>Thread-safe; closing it closes the group client.
 */
public final class TabletStoreClient implements AutoCloseable {
    /**
     * A cache node submitted a command that names another cache node ({@code cache_node_id}, or
     * the node id of {@code RegisterCacheNode} / {@code DeregisterCacheNode}): a cache acts only
     * for itself, as its attested TLS identity says. Operator tools (role client) may name any
     * cache node.
     */
    public static final String CACHE_NODE_ID_MISMATCH = "CACHE_NODE_ID_MISMATCH";

    /**
     * The caller's role may not submit this command: {@code Bootstrap}, {@code RotateDataKey} and
     * {@code UpdatePolicy} are for operator tools (role client), and only roles cache and client
     * use the tablet store at all.
     */
    public static final String ROLE_NOT_ALLOWED = "ROLE_NOT_ALLOWED";

    /**
     * How long a group client replaced by {@link #followMembership} stays open, so that calls
     * already sent through it finish (or time out) rather than fail at once: 60 s, past every
     * retry budget.
     */
    static final long HANDOVER_MILLIS = 60_000;

    // Swapped by followMembership; every call reads it once.
    private volatile RaftGroupClient group;
    private volatile boolean closed;

    /** Returns a client over {@code group}, which must be a client of {@link TabletStoreNode#GROUP_ID}. */
    public TabletStoreClient(RaftGroupClient group) {
        this.group = Objects.requireNonNull(group, "group");
    }

    /**
     * Reads the group's current membership and, if it differs from the peers this client calls,
     * calls the new members from now on; returns whether it changed. A long-lived client (a cache
     * node) does this now and then: members replaced with fresh nodes (diskless nodes never come
     * back) would otherwise leave it calling fewer and fewer live ones, and none once a majority
     * of its original peers are gone. The new members come from the leader over the attested
     * channel, and each must still prove its node id at the handshake.
     *
     * @throws IOException if the membership cannot be read now (the client keeps its peers)
     */
    public synchronized boolean followMembership() throws IOException {
        RaftGroupClient current = group;
        List<RaftPeer> members = current.members();
        if (closed || sameMembers(members, current.peers())) {
            return false;
        }
        group = current.withPeers(members);
        CompletableFuture.delayedExecutor(HANDOVER_MILLIS, TimeUnit.MILLISECONDS)
                .execute(() -> closeQuietly(current));
        return true;
    }

    /** Returns the peers this client calls now. */
    public List<RaftPeer> peers() {
        return group.peers();
    }

    private static boolean sameMembers(List<RaftPeer> a, List<RaftPeer> b) {
        return describe(a).equals(describe(b));
    }

    private static Set<String> describe(List<RaftPeer> peers) {
        Set<String> described = new HashSet<>();
        for (RaftPeer peer : peers) {
            described.add(peer.getId() + "@" + peer.getAddress() + "," + peer.getClientAddress() + ","
                    + peer.getAdminAddress());
        }
        return described;
    }

    private static void closeQuietly(RaftGroupClient client) {
        try {
            client.close();
        } catch (IOException e) {
            // It was replaced; nothing depends on it any more.
        }
    }

    /**
     * Submits {@code command} and returns its result once committed and applied.
     *
     * @throws RaftUnavailableException if no leader answered in the retry budget
     * @throws RequestRefusedException if this caller may not submit this command (see the codes above)
     * @throws IOException if the group refused the request otherwise, or answered bytes that are not
     *     a result
     */
    public Result submit(Command command) throws IOException {
        byte[] answer = group.submit(command.toByteArray());
        try {
            return Result.parseFrom(answer);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("the tablet store answered a command with bytes that are not a Result", e);
        }
    }

    /**
     * Submits {@code command} without blocking; see {@link RaftGroupClient#submitAsync} for the
     * ordering and the failures the future may complete with (a {@link RequestRefusedException}
     * among them).
     */
    public CompletableFuture<Result> submitAsync(Command command) {
        return group.submitAsync(command.toByteArray()).thenApply(answer -> {
            try {
                return Result.parseFrom(answer);
            } catch (InvalidProtocolBufferException e) {
                throw new CompletionException(
                        new IOException("the tablet store answered a command with bytes that are not a Result", e));
            }
        });
    }

    /**
     * Runs {@code query} linearizably: it sees every command committed before it was sent.
     *
     * @throws RaftUnavailableException if no leader answered in the retry budget
     * @throws RequestRefusedException if this caller may not query the store (see the codes above)
     * @throws IOException if the group refused the request otherwise, or answered bytes that are not
     *     a result
     */
    public QueryResult query(Query query) throws IOException {
        byte[] answer = group.query(query.toByteArray());
        try {
            return QueryResult.parseFrom(answer);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("the tablet store answered a query with bytes that are not a QueryResult", e);
        }
    }

    /** Returns the node id of the current leader, confirmed by a linearizable read. */
    public String leader() throws IOException {
        return group.leader();
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        group.close();
    }
}
