package dev.ratchet.cache;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.tls.AttestedKeyManager;
import dev.ratchet.attestation.tls.AttestedTls;
import dev.ratchet.attestation.tls.AttestedTrustManager;
import dev.ratchet.attestation.tls.PeerExpectation;
import dev.ratchet.sector.proto.InstallAuthorizationRequest;
import dev.ratchet.sector.proto.SectorServiceGrpc;
import dev.ratchet.tablet.proto.ArrayView;
import dev.ratchet.tablet.proto.AuthorizedWriterSet;
import dev.ratchet.tablet.proto.SignedWriterSet;
import dev.ratchet.tablet.proto.Slot;
import dev.ratchet.tablet.proto.SlotState;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays the tablet store's signed authorized-writer set to sector servers ({@code
 * InstallAuthorization}), so that they accept this node's writes.
 *
 * <p><b>Why relaying is safe.</b> A sector server believes a set for its signature by the cluster
 * authority key, whose private half lives only in the tablet store's replicated state, and only if
 * its version is above the installed one. The relay (this node) can therefore neither forge a set
 * nor roll one back; at worst it can withhold a newer one, which only delays the writers it adds.
 * A server that already holds an equal or newer set answers {@code AUTHORIZATION_ROLLBACK}, which
 * here means "already current".
 *
 * <p>Thread-safe; each push opens a short-lived attested channel that accepts only role sector
 * with the expected node id.
 */
final class WriterSetPush {
    private static final Logger log = LoggerFactory.getLogger(WriterSetPush.class);

    /** How long one install may take: a signature check on the server, far below this. */
    static final long INSTALL_TIMEOUT_MILLIS = 5_000;

    private final NodeIdentity identity;
    private final AttestationVerifier verifier;
    private final Clock clock;
    private final TabletDirectory directory;

    WriterSetPush(NodeIdentity identity, AttestationVerifier verifier, Clock clock, TabletDirectory directory) {
        this.identity = Objects.requireNonNull(identity, "identity");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.directory = Objects.requireNonNull(directory, "directory");
    }

    // The newest writer-set version this node saw installed on every non-dead server.
    private final AtomicLong installedEverywhere = new AtomicLong(-1);

    /** Queries the current signed set and installs it on every LIVE and REBUILDING slot's server. */
    void pushCurrent() {
        installCurrent();
    }

    /**
     * Makes sure every LIVE and REBUILDING server holds the current writer set (or a newer one);
     * returns false if some server could not be reached or refused it. Cheap when nothing changed:
     * one query.
     *
     * <p>The trimmer calls this before it zeroes stripes that a removed cache node (expired,
     * deregistered, evicted by policy) may have held. Those stripes become free after the trim,
     * and a removed node that is in fact still running could otherwise write into them after
     * another node was given them; once every server has the set without it, its writes are
     * refused (WRITER_NOT_AUTHORIZED).
     */
    boolean ensureInstalledEverywhere() {
        SignedWriterSet set = directory.authorizedWriters();
        long version = version(set);
        if (version <= installedEverywhere.get()) {
            return true;
        }
        if (installOnEveryServer(set, directory.array())) {
            installedEverywhere.accumulateAndGet(version, Math::max);
            return true;
        }
        return false;
    }

    private void installCurrent() {
        SignedWriterSet set = directory.authorizedWriters();
        if (installOnEveryServer(set, directory.array())) {
            installedEverywhere.accumulateAndGet(version(set), Math::max);
        }
    }

    private boolean installOnEveryServer(SignedWriterSet set, ArrayView view) {
        boolean all = true;
        for (Slot slot : view.getSlotsList()) {
            if (slot.getState() != SlotState.SLOT_DEAD) {
                try {
                    install(slot.getNodeId(), slot.getAddress(), set);
                } catch (RuntimeException e) {
                    // A server that cannot be reached is the array's business (it may be dying).
                    all = false;
                    log.warn(
                            "could not install the writer set on slot {} ({}): {}",
                            slot.getSlotIndex(),
                            slot.getNodeId(),
                            e.getMessage());
                }
            }
        }
        return all;
    }

    private static long version(SignedWriterSet set) {
        try {
            return AuthorizedWriterSet.parseFrom(set.getWriterSet()).getVersion();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the tablet store sent an unparseable writer set", e);
        }
    }

    /**
     * Installs {@code set} on the sector server {@code nodeId} at {@code address}.
     *
     * @throws IllegalStateException if the server refused it for any reason but "already current"
     */
    void install(String nodeId, String address, SignedWriterSet set) {
        ManagedChannel channel = channel(nodeId, address);
        try {
            SectorServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(INSTALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                    .installAuthorization(InstallAuthorizationRequest.newBuilder()
                            .setWriterSet(set.getWriterSet())
                            .setSignature(set.getSignature())
                            .build());
        } catch (StatusRuntimeException e) {
            String description = e.getStatus().getDescription();
            if (description == null || !description.startsWith("AUTHORIZATION_ROLLBACK")) {
                throw new IllegalStateException(
                        "sector server " + nodeId + " refused the writer set: " + e.getStatus(), e);
            }
        } finally {
            channel.shutdownNow();
        }
    }

    private ManagedChannel channel(String nodeId, String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(address.substring(colon + 1));
        AttestedTrustManager trust = AttestedTrustManager.builder(verifier)
                .acceptRoles(Role.SECTOR)
                .clock(clock)
                .expectation(PeerExpectation.exactly(nodeId))
                .build();
        try {
            return NettyChannelBuilder.forAddress(host, port)
                    .sslContext(AttestedTls.grpcClientContext(new AttestedKeyManager(identity), trust))
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build a TLS context for sector server " + nodeId, e);
        }
    }
}
