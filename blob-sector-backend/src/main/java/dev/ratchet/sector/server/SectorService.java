package dev.ratchet.sector.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.SignedRead;
import dev.ratchet.attestation.tls.AttestedPeer;
import dev.ratchet.attestation.tls.AttestedPeerInterceptor;
import dev.ratchet.sector.proto.GetStatusRequest;
import dev.ratchet.sector.proto.GetStatusResponse;
import dev.ratchet.sector.proto.InstallAuthorityRequest;
import dev.ratchet.sector.proto.InstallAuthorityResponse;
import dev.ratchet.sector.proto.InstallAuthorizationRequest;
import dev.ratchet.sector.proto.InstallAuthorizationResponse;
import dev.ratchet.sector.proto.ReadSectorsRequest;
import dev.ratchet.sector.proto.ReadSectorsResponse;
import dev.ratchet.sector.proto.SectorError;
import dev.ratchet.sector.proto.SectorServiceGrpc;
import dev.ratchet.sector.proto.SectorWrite;
import dev.ratchet.sector.proto.TrimSectorsRequest;
import dev.ratchet.sector.proto.TrimSectorsResponse;
import dev.ratchet.sector.proto.WriteSectorsRequest;
import dev.ratchet.sector.proto.WriteSectorsResponse;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.PublicKey;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sector protocol's six calls: who may make each, what each checks, and what each answers.
 *
 * <p>Every call first reads the caller's attested node id and role from the TLS session ({@link
 * AttestedPeerInterceptor}), never from the message. Requests are bound to their exact received
 * bytes ({@link Received}): a read reply is signed over those bytes, so the signature covers what
 * the reader sent, not this server's re-encoding of it; and a body that does not parse becomes a
 * MALFORMED_REQUEST answer rather than a transport error. A request is checked whole before any
 * sector changes, so a refused write or trim changes nothing.
 */
final class SectorService {
    private static final Logger log = LoggerFactory.getLogger(SectorService.class);

    /** Roles that may read, write and trim sectors: only cache nodes run the array client. */
    private static final Set<Role> DATA_ROLES = EnumSet.of(Role.CACHE);

    /** Roles that may ask for status or relay a signed writer set (its signature is what counts). */
    private static final Set<Role> ADMIN_ROLES = EnumSet.of(Role.CACHE, Role.TABLET_STORE, Role.CLIENT);

    /**
     * Roles that may claim an unclaimed server: the tablet store and the admin tool that
     * bootstraps it. A cache node never holds the authority key, so it has nothing to install.
     */
    private static final Set<Role> CLAIM_ROLES = EnumSet.of(Role.TABLET_STORE, Role.CLIENT);

    private final NodeIdentity identity;
    private final SectorStore store;
    private final AuthorizedWriters writers;
    private final AtomicLongArray refusals = new AtomicLongArray(SectorError.values().length);

    SectorService(NodeIdentity identity, SectorStore store, AuthorizedWriters writers) {
        this.identity = identity;
        this.store = store;
        this.writers = writers;
    }

    /** Returns how many calls were refused with {@code error}. */
    long refusalCount(SectorError error) {
        return refusals.get(error.ordinal());
    }

    /** Returns the service with requests bound to their received bytes. */
    ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(SectorServiceGrpc.SERVICE_NAME)
                .addMethod(
                        received(SectorServiceGrpc.getReadSectorsMethod(), ReadSectorsRequest.parser()),
                        unary(this::readSectors))
                .addMethod(
                        received(SectorServiceGrpc.getWriteSectorsMethod(), WriteSectorsRequest.parser()),
                        unary(this::writeSectors))
                .addMethod(
                        received(SectorServiceGrpc.getTrimSectorsMethod(), TrimSectorsRequest.parser()),
                        unary(this::trimSectors))
                .addMethod(
                        received(SectorServiceGrpc.getGetStatusMethod(), GetStatusRequest.parser()),
                        unary(this::getStatus))
                .addMethod(
                        received(
                                SectorServiceGrpc.getInstallAuthorizationMethod(),
                                InstallAuthorizationRequest.parser()),
                        unary(this::installAuthorization))
                .addMethod(
                        received(SectorServiceGrpc.getInstallAuthorityMethod(), InstallAuthorityRequest.parser()),
                        unary(this::installAuthority))
                .build();
    }

    private ReadSectorsResponse readSectors(Received<ReadSectorsRequest> request, AttestedPeer caller)
            throws SectorRefusedException {
        requireRole(caller, "ReadSectors", DATA_ROLES);
        ReadSectorsRequest read = request.message();
        if (read.getNonce().size() != SignedRead.NONCE_BYTES) {
            throw new SectorRefusedException(
                    SectorError.MALFORMED_REQUEST,
                    "nonce is " + read.getNonce().size() + " bytes, not " + SignedRead.NONCE_BYTES);
        }
        long[] indices = indices(read.getSectorIndicesList());
        byte[][] sectors = store.read(indices);
        byte[] concatenated = new byte[sectors.length * SectorStore.SECTOR_BYTES];
        ReadSectorsResponse.Builder response = ReadSectorsResponse.newBuilder();
        for (int i = 0; i < sectors.length; i++) {
            System.arraycopy(sectors[i], 0, concatenated, i * SectorStore.SECTOR_BYTES, SectorStore.SECTOR_BYTES);
            // Each array is a fresh copy nobody else holds, so wrapping it is safe.
            response.addSectors(UnsafeByteOperations.unsafeWrap(sectors[i]));
        }
        byte[] signature = SignedRead.sign(identity, read.getNonce().toByteArray(), request.bytes(), concatenated);
        return response.setSignature(ByteString.copyFrom(signature)).build();
    }

    private WriteSectorsResponse writeSectors(Received<WriteSectorsRequest> request, AttestedPeer caller)
            throws SectorRefusedException {
        requireRole(caller, "WriteSectors", DATA_ROLES);
        WriteSectorsRequest write = request.message();
        // Refuse an unauthorized writer before looking at its payload; checked again below.
        writers.checkWriter(caller.nodeId(), write.getAuthorizationVersion());
        requireCount(write.getWritesCount());
        long[] indices = new long[write.getWritesCount()];
        byte[][] sectors = new byte[write.getWritesCount()][];
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < indices.length; i++) {
            SectorWrite sector = write.getWrites(i);
            indices[i] = requireInRange(sector.getSectorIndex());
            if (sector.getData().size() != SectorStore.SECTOR_BYTES) {
                throw new SectorRefusedException(
                        SectorError.MALFORMED_REQUEST,
                        "sector " + indices[i] + " carries " + sector.getData().size() + " bytes, not "
                                + SectorStore.SECTOR_BYTES);
            }
            if (!seen.add(indices[i])) {
                // Two values for one sector in one request has no order to honour; refuse it.
                throw new SectorRefusedException(
                        SectorError.MALFORMED_REQUEST, "sector " + indices[i] + " is written twice in one request");
            }
            sectors[i] = sector.getData().toByteArray();
        }
        // The check that counts: it and the change are one step, so no install completes between them.
        writers.runAsWriter(caller.nodeId(), write.getAuthorizationVersion(), () -> store.write(indices, sectors));
        return WriteSectorsResponse.getDefaultInstance();
    }

    private TrimSectorsResponse trimSectors(Received<TrimSectorsRequest> request, AttestedPeer caller)
            throws SectorRefusedException {
        requireRole(caller, "TrimSectors", DATA_ROLES);
        TrimSectorsRequest trim = request.message();
        // Zeroing destroys data as surely as overwriting it, so it needs the same authorization.
        writers.checkWriter(caller.nodeId(), trim.getAuthorizationVersion());
        long[] indices = indices(trim.getSectorIndicesList());
        writers.runAsWriter(caller.nodeId(), trim.getAuthorizationVersion(), () -> store.trim(indices));
        return TrimSectorsResponse.getDefaultInstance();
    }

    private GetStatusResponse getStatus(Received<GetStatusRequest> request, AttestedPeer caller)
            throws SectorRefusedException {
        requireRole(caller, "GetStatus", ADMIN_ROLES);
        GetStatusResponse.Builder status = GetStatusResponse.newBuilder();
        writers.authorityKey()
                .ifPresent(key -> status.setAuthorityPublicKeySpki(ByteString.copyFrom(key.getEncoded())));
        return status.setCapacitySectors(store.capacitySectors())
                .setUsedSectors(store.usedSectors())
                .setAuthorizationVersion(writers.version())
                .setNodeId(identity.nodeId())
                .setSectorsPerRequestMax(SectorServer.SECTORS_PER_REQUEST_MAX)
                .build();
    }

    private InstallAuthorizationResponse installAuthorization(
            Received<InstallAuthorizationRequest> request, AttestedPeer caller) throws SectorRefusedException {
        requireRole(caller, "InstallAuthorization", ADMIN_ROLES);
        InstallAuthorizationRequest install = request.message();
        long version = writers.install(
                install.getWriterSet().toByteArray(), install.getSignature().toByteArray());
        log.info("installed authorized-writer set v{}, relayed by {} {}", version, caller.role(), caller.nodeId());
        return InstallAuthorizationResponse.newBuilder()
                .setInstalledVersion(version)
                .build();
    }

    private InstallAuthorityResponse installAuthority(Received<InstallAuthorityRequest> request, AttestedPeer caller)
            throws SectorRefusedException {
        requireRole(caller, "InstallAuthority", CLAIM_ROLES);
        boolean unclaimed = writers.authorityKey().isEmpty();
        PublicKey key = writers.installAuthority(
                request.message().getAuthorityPublicKeySpki().toByteArray());
        if (unclaimed) {
            log.info("claimed: installed the cluster authority key, sent by {} {}", caller.role(), caller.nodeId());
        }
        return InstallAuthorityResponse.newBuilder()
                .setAuthorityPublicKeySpki(ByteString.copyFrom(key.getEncoded()))
                .build();
    }

    private static void requireRole(AttestedPeer caller, String call, Set<Role> allowed) throws SectorRefusedException {
        if (!allowed.contains(caller.role())) {
            throw new SectorRefusedException(
                    SectorError.WRONG_ROLE,
                    call + " is for roles " + allowed + "; node " + caller.nodeId() + " is " + caller.role());
        }
    }

    private long[] indices(List<Long> requested) throws SectorRefusedException {
        requireCount(requested.size());
        long[] indices = new long[requested.size()];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = requireInRange(requested.get(i));
        }
        return indices;
    }

    private static void requireCount(int count) throws SectorRefusedException {
        if (count == 0) {
            throw new SectorRefusedException(SectorError.MALFORMED_REQUEST, "the request names no sectors");
        }
        if (count > SectorServer.SECTORS_PER_REQUEST_MAX) {
            throw new SectorRefusedException(
                    SectorError.TOO_MANY_SECTORS,
                    count + " sectors in one request; the limit is " + SectorServer.SECTORS_PER_REQUEST_MAX);
        }
    }

    private long requireInRange(long index) throws SectorRefusedException {
        // Indices are uint64 on the wire: a negative long is an index of 2^63 or more.
        if (index < 0 || index >= store.capacitySectors()) {
            throw new SectorRefusedException(
                    SectorError.SECTOR_OUT_OF_RANGE,
                    "sector " + Long.toUnsignedString(index) + " is outside [0, " + store.capacitySectors() + ")");
        }
        return index;
    }

    private <Q, R> ServerCallHandler<Received<Q>, R> unary(Handler<Q, R> handler) {
        return ServerCalls.asyncUnaryCall((request, responses) -> {
            AttestedPeer caller = AttestedPeerInterceptor.current();
            String call = request.methodName();
            try {
                if (request.message() == null) {
                    throw new SectorRefusedException(
                            SectorError.MALFORMED_REQUEST, "the " + call + " request is not a valid protobuf");
                }
                R response = handler.handle(request, caller);
                responses.onNext(response);
                responses.onCompleted();
            } catch (SectorRefusedException e) {
                refusals.incrementAndGet(e.error().ordinal());
                log.warn("refused {} from {} {}: {}", call, caller.role(), caller.nodeId(), e.getMessage());
                responses.onError(e.status().asRuntimeException());
            }
        });
    }

    private static <Q, R> MethodDescriptor<Received<Q>, R> received(MethodDescriptor<Q, R> method, Parser<Q> parser) {
        return method.toBuilder(
                        new ReceivedMarshaller<>(method.getBareMethodName(), parser), method.getResponseMarshaller())
                .build();
    }

    /** One call's logic: checks and answers, or refuses. */
    @FunctionalInterface
    private interface Handler<Q, R> {
        R handle(Received<Q> request, AttestedPeer caller) throws SectorRefusedException;
    }

    /**
     * A request as it arrived: its exact bytes, and the parsed message or null if the bytes are
     * not a valid message of the call's type.
     */
    record Received<Q>(String methodName, byte[] bytes, Q message) {}

    /** Keeps a request's bytes beside its parse; never throws on bad input (the handler answers it). */
    private static final class ReceivedMarshaller<Q> implements MethodDescriptor.Marshaller<Received<Q>> {
        private final String methodName;
        private final Parser<Q> parser;

        ReceivedMarshaller(String methodName, Parser<Q> parser) {
            this.methodName = methodName;
            this.parser = parser;
        }

        @Override
        public InputStream stream(Received<Q> value) {
            return new ByteArrayInputStream(value.bytes());
        }

        @Override
        public Received<Q> parse(InputStream stream) {
            byte[] bytes;
            try {
                // gRPC has already bounded the message by the server's maxInboundMessageSize.
                bytes = stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                return new Received<>(methodName, bytes, parser.parseFrom(bytes));
            } catch (InvalidProtocolBufferException e) {
                return new Received<>(methodName, bytes, null);
            }
        }
    }
}
