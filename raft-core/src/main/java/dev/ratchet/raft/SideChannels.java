package dev.ratchet.raft;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.thirdparty.com.google.protobuf.InvalidProtocolBufferException;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException;
import org.apache.ratis.thirdparty.io.grpc.netty.GrpcSslContexts;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContext;
import org.apache.ratis.util.ProtoUtils;

/**
 * Two small gRPC services Ratchet adds to Ratis's own listeners, and their client calls.
 *
 * <ul>
 *   <li><b>Snapshot fetch</b>, on the <em>server</em> port: a follower told to install a snapshot
 *       (notification mode, ratis-guide §3.5) streams the leader's in-memory snapshot from it.
 *   <li><b>Expect peers</b>, on the <em>admin</em> port: an operator tells a node which nodes it
 *       should trust at which address before they join (see {@link PeerAddressBook}).
 * </ul>
 *
 * <p><b>Why these ports.</b> Both ride Ratis's listeners through the 3.2 services customizer, so they
 * inherit each port's attested TLS and trust rules without a port or trust manager of our own. The
 * snapshot holds the whole replicated state, so it goes exactly where log entries go: to attested
 * tablet-store nodes in the address book, which is who the server port admits. The alternatives
 * were worse: a Ratis read-only query would need the follower to hold client-port credentials and
 * would open the client port to tablet-store nodes, and a separate listener would need a fourth
 * port and trust manager to get the same rule. Peer expectations change whom a node trusts, an
 * administrative act, so they take the admin port (operators and tablet-store automation).
 *
 * <p>Messages are raw bytes (no generated stubs): the snapshot as {@link #SNAPSHOT_CHUNK_BYTES}
 * chunks, peers as a {@code RaftConfigurationProto}.
 */
final class SideChannels {
    /**
     * The chunk size of a snapshot stream: far below gRPC's 64 MiB message cap, and small enough
     * that a chunk in flight costs little heap.
     */
    static final int SNAPSHOT_CHUNK_BYTES = 1 << 20;

    /**
     * The largest snapshot a follower accepts: the replicated state must fit in every replica's
     * RAM twice over during an install, and 1 GiB is far above the tablet store's metadata.
     */
    static final long SNAPSHOT_BYTES_MAX = 1L << 30;

    /** How long a snapshot fetch or an expectation may take before the caller gives up. */
    static final long CALL_DEADLINE_SECONDS = 60;

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> FETCH_SNAPSHOT = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
            .setFullMethodName("ratchet.raft.Snapshot/Fetch")
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    static final MethodDescriptor<byte[], byte[]> EXPECT_PEERS = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("ratchet.raft.Membership/ExpectPeers")
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    private SideChannels() {}

    /**
     * Returns a Ratis customizer adding the snapshot service to the server port and the
     * expectation service to the admin port.
     *
     * @param latestSnapshot the serialized latest snapshot, or null if there is none
     * @param expectPeers records peers to trust; throws IllegalArgumentException to refuse them
     */
    static GrpcServices.Customizer customizer(Supplier<byte[]> latestSnapshot, Consumer<List<RaftPeer>> expectPeers) {
        ServerServiceDefinition snapshots = ServerServiceDefinition.builder("ratchet.raft.Snapshot")
                .addMethod(FETCH_SNAPSHOT, ServerCalls.asyncServerStreamingCall((request, observer) -> {
                    byte[] snapshot = latestSnapshot.get();
                    if (snapshot != null) {
                        for (int from = 0; from < snapshot.length; from += SNAPSHOT_CHUNK_BYTES) {
                            int to = Math.min(snapshot.length, from + SNAPSHOT_CHUNK_BYTES);
                            observer.onNext(Arrays.copyOfRange(snapshot, from, to));
                        }
                    }
                    observer.onCompleted();
                }))
                .build();
        ServerServiceDefinition membership = ServerServiceDefinition.builder("ratchet.raft.Membership")
                .addMethod(EXPECT_PEERS, ServerCalls.asyncUnaryCall((request, observer) -> {
                    try {
                        expectPeers.accept(decodePeers(request));
                        observer.onNext(new byte[0]);
                        observer.onCompleted();
                    } catch (IllegalArgumentException e) {
                        observer.onError(Status.INVALID_ARGUMENT
                                .withDescription(e.getMessage())
                                .asRuntimeException());
                    }
                }))
                .build();
        return (builder, types) -> {
            if (types.contains(GrpcServices.Type.SERVER)) {
                builder.addService(snapshots);
            }
            if (types.contains(GrpcServices.Type.ADMIN)) {
                builder.addService(membership);
            }
            return builder;
        };
    }

    /**
     * Streams the snapshot of the node serving {@code serverAddress}, dialling with {@code tls}.
     *
     * @return the serialized snapshot, or null if that node has none
     */
    static byte[] fetchSnapshot(GrpcTlsConfig tls, String serverAddress) throws IOException {
        ManagedChannel channel = channel(tls, serverAddress);
        try {
            Iterator<byte[]> chunks = ClientCalls.blockingServerStreamingCall(
                    channel,
                    FETCH_SNAPSHOT,
                    CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS),
                    new byte[0]);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (chunks.hasNext()) {
                byte[] chunk = chunks.next();
                if (out.size() + (long) chunk.length > SNAPSHOT_BYTES_MAX) {
                    throw new IOException(
                            "snapshot from " + serverAddress + " exceeds " + SNAPSHOT_BYTES_MAX + " bytes");
                }
                out.write(chunk);
            }
            return out.size() == 0 ? null : out.toByteArray();
        } catch (StatusRuntimeException e) {
            throw new IOException("fetching the snapshot from " + serverAddress + " failed: " + e.getStatus(), e);
        } finally {
            channel.shutdownNow();
        }
    }

    /** Asks the node serving {@code adminAddress} to expect {@code peers}, dialling with {@code tls}. */
    static void expectPeers(GrpcTlsConfig tls, String adminAddress, Collection<RaftPeer> peers) throws IOException {
        ManagedChannel channel = channel(tls, adminAddress);
        try {
            byte[] request = RaftConfigurationProto.newBuilder()
                    .addAllPeers(ProtoUtils.toRaftPeerProtos(peers))
                    .build()
                    .toByteArray();
            ClientCalls.blockingUnaryCall(
                    channel,
                    EXPECT_PEERS,
                    CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS),
                    request);
        } catch (StatusRuntimeException e) {
            throw new IOException(
                    "node at " + adminAddress + " did not accept the expected peers: " + e.getStatus(), e);
        } finally {
            channel.shutdownNow();
        }
    }

    private static List<RaftPeer> decodePeers(byte[] request) {
        try {
            return ProtoUtils.toRaftPeers(
                    RaftConfigurationProto.parseFrom(request).getPeersList());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("malformed peer list: " + e.getMessage(), e);
        }
    }

    // The trust manager sees the dialled host and port (the address as written), which is what
    // binds the far end's key to the node id expected there. Package-private for tests that dial
    // a Ratis listener with a member's own credentials.
    static ManagedChannel channel(GrpcTlsConfig tls, String address) throws IOException {
        SslContext ssl;
        try {
            ssl = GrpcSslContexts.forClient()
                    .trustManager(tls.getTrustManager().getTrustManager())
                    .keyManager(tls.getKeyManager().getKeyManager())
                    .build();
        } catch (SSLException e) {
            throw new IOException("cannot build a TLS context to dial " + address, e);
        }
        return NettyChannelBuilder.forTarget(address)
                .sslContext(ssl)
                .maxInboundMessageSize(2 * SNAPSHOT_CHUNK_BYTES)
                .build();
    }
}
