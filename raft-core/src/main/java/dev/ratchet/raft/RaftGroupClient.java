package dev.ratchet.raft;

import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.ExponentialBackoffRetry;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.InvalidProtocolBufferException;
import org.apache.ratis.util.ProtoUtils;
import org.apache.ratis.util.TimeDuration;

/**
 * A client of a Ratchet Raft group, for cache nodes and admin tools: submit a command, run a
 * linearizable query, find the leader, each with a bounded retry budget.
 *
 * <p><b>Retries.</b> Ratis's default client policy retries for ever without sleeping; here every
 * call gets at most {@link Builder#attempts} attempts with exponential backoff between them, then
 * fails with {@link RaftUnavailableException}. A retried command keeps its Ratis call id, so the
 * servers' retry cache applies it once (for {@code raft.server.retrycache.expirytime}, 60 s by
 * default); beyond that, idempotency is the application's business.
 *
 * <p><b>Reads</b> are linearizable: the servers run ReadIndex (a heartbeat round confirms the
 * leader before it answers) and never a leader lease.
 *
 * <p><b>Membership.</b> The client trusts exactly the peers it was given (each must prove its node
 * id at the handshake). {@link #members} reads the group's current membership through it, and
 * {@link #withPeers} makes a client for the new one; a caller that outlives membership changes
 * (a cache node) does both now and then.
 *
 * <p>Thread-safe.
 */
public final class RaftGroupClient implements AutoCloseable {
    private final RaftClient client;
    private final Builder settings;

    private RaftGroupClient(Builder b) {
        this.settings = b;
        PeerAddressBook book = PeerAddressBook.of(b.peers);
        AttestedRaftChannels channels = AttestedRaftChannels.forClient(b.identity, b.verifier, book, b.clock);
        RaftProperties properties = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, millis(b.requestTimeout));
        this.client = RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(b.groupId, b.peers))
                .setProperties(properties)
                .setParameters(channels.newParameters())
                .setRetryPolicy(ExponentialBackoffRetry.newBuilder()
                        .setBaseSleepTime(millis(b.backoffBase))
                        .setMaxSleepTime(millis(b.backoffMax))
                        .setMaxAttempts(b.attempts)
                        .build())
                .build();
    }

    /** Returns a builder for a client of group {@code groupId} whose members are {@code peers}. */
    public static Builder builder(
            NodeIdentity identity, AttestationVerifier verifier, RaftGroupId groupId, Collection<RaftPeer> peers) {
        return new Builder(identity, verifier, groupId, peers);
    }

    /**
     * Submits {@code command}; returns the application's result once a majority committed it and
     * the leader applied it.
     *
     * @throws RaftUnavailableException if no leader answered within the retry budget (outcome
     *     {@link RaftUnavailableException.Outcome#UNKNOWN}: the command may have been applied)
     * @throws RequestRefusedException if the servers refused the request for its sender or kind;
     *     nothing was logged
     * @throws IOException if the group refused the request otherwise
     */
    public byte[] submit(byte[] command) throws IOException {
        RaftClientReply reply = call(
                "submit",
                RaftUnavailableException.Outcome.UNKNOWN,
                () -> client.io().send(message(LogEnvelope.COMMAND.wrap(command))));
        return content(reply);
    }

    /**
     * Submits {@code command} without blocking a thread per call; the future completes with the
     * application's result once a majority committed it and the leader applied it.
     *
     * <p>Commands submitted through one client are sent over one ordered stream and applied in
     * submission order; a blocking {@link #submit} opens a stream per call instead, which costs
     * more CPU per command when many are in flight.
     *
     * <p>The future fails with {@link RaftUnavailableException} (outcome {@code UNKNOWN}) if no
     * leader answered within the retry budget, with {@link RequestRefusedException} if the servers
     * refused the request for its sender or kind, or with another {@link IOException} if the group
     * refused the request otherwise.
     */
    public CompletableFuture<byte[]> submitAsync(byte[] command) {
        return client.async().send(message(LogEnvelope.COMMAND.wrap(command))).handle((reply, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
                if (cause instanceof StateMachineException refused) {
                    throw new CompletionException(refusalOr(refused));
                }
                throw new CompletionException(
                        new RaftUnavailableException("submit", RaftUnavailableException.Outcome.UNKNOWN, cause));
            }
            if (!reply.isSuccess()) {
                throw new CompletionException(
                        new IOException("submit failed: " + reply.getException(), reply.getException()));
            }
            return content(reply);
        });
    }

    /**
     * Runs the read-only {@code query} linearizably: it sees every command committed before it
     * was sent.
     *
     * @throws RaftUnavailableException if no leader answered within the retry budget
     * @throws RequestRefusedException if the servers refused the query for its sender or kind
     */
    public byte[] query(byte[] query) throws IOException {
        RaftClientReply reply = call(
                "query",
                RaftUnavailableException.Outcome.NOT_APPLIED,
                () -> client.io().sendReadOnly(message(LogEnvelope.QUERY.wrap(query))));
        return content(reply);
    }

    /**
     * Returns the node id of the current leader, confirmed by a linearizable read it answered.
     *
     * @throws RaftUnavailableException if no leader answered within the retry budget
     */
    public String leader() throws IOException {
        RaftClientReply reply = call(
                "find the leader",
                RaftUnavailableException.Outcome.NOT_APPLIED,
                () -> client.io().sendReadOnly(message(LogEnvelope.PING.wrap(new byte[0]))));
        return reply.getServerId().toString();
    }

    /**
     * Returns the group's members as the leader's current configuration lists them (ids and the
     * addresses of every port), confirmed by a linearizable read the leader answered; if no known
     * peer leads any more, as the first known peer that answers lists them.
     *
     * @throws RaftUnavailableException if no leader answered within the retry budget
     * @throws IOException if the answer is not a configuration (a server older than this client)
     */
    public List<RaftPeer> members() throws IOException {
        RaftClientReply reply;
        try {
            reply = call(
                    "read the membership",
                    RaftUnavailableException.Outcome.NOT_APPLIED,
                    () -> client.io().sendReadOnly(message(LogEnvelope.PING.wrap(new byte[0]))));
        } catch (RaftUnavailableException e) {
            // No leader among the peers this client knows (they were replaced): any member it can
            // still reach knows the configuration, at most one change behind.
            reply = fromAnyPeer(e);
        }
        return parseMembers(reply);
    }

    private RaftClientReply fromAnyPeer(RaftUnavailableException noLeader) throws IOException {
        for (RaftPeer peer : settings.peers) {
            try {
                RaftClientReply reply =
                        client.io().sendStaleRead(message(LogEnvelope.PING.wrap(new byte[0])), 0, peer.getId());
                if (reply.isSuccess()) {
                    return reply;
                }
            } catch (IOException e) {
                noLeader.addSuppressed(e);
            }
        }
        throw noLeader;
    }

    private static List<RaftPeer> parseMembers(RaftClientReply reply) throws IOException {
        try {
            List<RaftPeer> members = ProtoUtils.toRaftPeers(
                    RaftConfigurationProto.parseFrom(content(reply)).getPeersList());
            if (members.isEmpty()) {
                throw new IOException("the leader answered no membership");
            }
            return members;
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("the leader's membership answer does not parse", e);
        }
    }

    /** Returns the peers this client trusts and calls: exactly the ones it was built with. */
    public List<RaftPeer> peers() {
        return settings.peers;
    }

    /**
     * Returns a new client with every setting of this one but the peers, which are {@code peers}
     * (each must still prove its node id at the handshake). This one stays open.
     */
    public RaftGroupClient withPeers(Collection<RaftPeer> peers) {
        Builder next = new Builder(settings.identity, settings.verifier, settings.groupId, peers)
                .clock(settings.clock)
                .requestTimeout(settings.requestTimeout)
                .attempts(settings.attempts, settings.backoffBase, settings.backoffMax);
        return next.build();
    }

    @Override
    public void close() throws IOException {
        client.close();
    }

    private interface Call {
        RaftClientReply send() throws IOException;
    }

    private static RaftClientReply call(String what, RaftUnavailableException.Outcome outcome, Call call)
            throws IOException {
        RaftClientReply reply;
        try {
            reply = call.send();
        } catch (StateMachineException e) {
            throw refusalOr(e); // the group answered: the request itself was refused
        } catch (IOException e) {
            // RaftRetryFailureException when the policy gives up, or the last attempt's failure.
            throw new RaftUnavailableException(what, outcome, e);
        }
        if (!reply.isSuccess()) {
            throw new IOException(what + " failed: " + reply.getException(), reply.getException());
        }
        return reply;
    }

    // Ratis re-creates a server's refusal as the cause of its state-machine exception.
    private static IOException refusalOr(StateMachineException e) {
        return e.getCause() instanceof RequestRefusedException refusal ? refusal : e;
    }

    private static byte[] content(RaftClientReply reply) {
        return reply.getMessage().getContent().toByteArray();
    }

    private static Message message(byte[] bytes) {
        return Message.valueOf(ByteString.copyFrom(bytes));
    }

    private static TimeDuration millis(Duration duration) {
        return TimeDuration.valueOf(duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Configures a {@link RaftGroupClient}. */
    public static final class Builder {
        private final NodeIdentity identity;
        private final AttestationVerifier verifier;
        private final RaftGroupId groupId;
        private final List<RaftPeer> peers;
        private Clock clock = Clock.systemUTC();
        private Duration requestTimeout = Duration.ofSeconds(5);
        // 10 attempts from 100 ms doubling to 2 s: about 10 s, several election timeouts.
        private int attempts = 10;
        private Duration backoffBase = Duration.ofMillis(100);
        private Duration backoffMax = Duration.ofSeconds(2);

        private Builder(
                NodeIdentity identity, AttestationVerifier verifier, RaftGroupId groupId, Collection<RaftPeer> peers) {
            this.identity = Objects.requireNonNull(identity, "identity");
            this.verifier = Objects.requireNonNull(verifier, "verifier");
            this.groupId = Objects.requireNonNull(groupId, "groupId");
            this.peers = List.copyOf(peers);
            if (this.peers.isEmpty()) {
                throw new IllegalArgumentException("a group client needs at least one peer");
            }
        }

        /** Sets the clock that judges the servers' evidence. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Sets how long one attempt may take; 5 s by default. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Sets the retry budget: at most {@code attempts} attempts, sleeping from {@code base}
         * doubling up to {@code max} between them; 10, 100 ms and 2 s by default.
         */
        public Builder attempts(int attempts, Duration base, Duration max) {
            if (attempts < 1 || base.isNegative() || max.compareTo(base) < 0) {
                throw new IllegalArgumentException(
                        "retries need attempts >= 1 and 0 <= base <= max: " + attempts + ", " + base + ", " + max);
            }
            this.attempts = attempts;
            this.backoffBase = base;
            this.backoffMax = max;
            return this;
        }

        /** Returns the client. */
        public RaftGroupClient build() {
            return new RaftGroupClient(this);
        }
    }
}
