package dev.ratchet.sector.server;

import static dev.ratchet.sector.server.SectorServerFixture.CAPACITY_SECTORS;
import static dev.ratchet.sector.server.SectorServerFixture.sector;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.SignedRead;
import dev.ratchet.sector.proto.GetStatusRequest;
import dev.ratchet.sector.proto.GetStatusResponse;
import dev.ratchet.sector.proto.InstallAuthorizationRequest;
import dev.ratchet.sector.proto.ReadSectorsRequest;
import dev.ratchet.sector.proto.ReadSectorsResponse;
import dev.ratchet.sector.proto.SectorError;
import dev.ratchet.sector.proto.SectorServiceGrpc;
import dev.ratchet.sector.proto.SectorServiceGrpc.SectorServiceBlockingStub;
import dev.ratchet.sector.proto.SectorWrite;
import dev.ratchet.sector.proto.TrimSectorsRequest;
import dev.ratchet.sector.proto.WriteSectorsRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Real gRPC calls over attested TLS on loopback against a {@link SectorServer}: what each call
 * answers, and that every bad request gets its own error while the server keeps serving.
 */
class SectorServerTest {
    private final SectorServerFixture fixture = new SectorServerFixture();
    private final NodeIdentity writer = fixture.identity(Role.CACHE);
    private final SectorServiceBlockingStub writerStub = fixture.stub(writer);

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void writeThenRead_returnsSignedData() throws Exception {
        fixture.authorize(1, writer);
        writerStub.writeSectors(write(3, sector(7)));

        ReadSectorsRequest request = read(3, 4);
        ReadSectorsResponse response = writerStub.readSectors(request);

        assertArrayEquals(sector(7), response.getSectors(0).toByteArray());
        assertArrayEquals(sector(0), response.getSectors(1).toByteArray());
        SignedRead.verify(
                fixture.serverIdentity().publicKey(),
                request.getNonce().toByteArray(),
                request.toByteArray(),
                ByteString.copyFrom(response.getSectorsList()).toByteArray(),
                response.getSignature().toByteArray());
    }

    @Test
    void status_countsCapacityUseAndAuthorizationVersion() {
        fixture.authorize(5, writer);
        writerStub.writeSectors(write(0, sector(1)));
        writerStub.writeSectors(write(1, sector(2)));
        writerStub.writeSectors(write(1, sector(3)));

        GetStatusResponse status =
                fixture.stub(fixture.identity(Role.CLIENT)).getStatus(GetStatusRequest.getDefaultInstance());

        assertEquals(CAPACITY_SECTORS, status.getCapacitySectors());
        assertEquals(2, status.getUsedSectors());
        assertEquals(5, status.getAuthorizationVersion());
        assertEquals(fixture.server().nodeId(), status.getNodeId());
        assertEquals(SectorServer.SECTORS_PER_REQUEST_MAX, status.getSectorsPerRequestMax());
    }

    @Test
    void trim_zeroesSectorsAndFreesThem() {
        fixture.authorize(1, writer);
        writerStub.writeSectors(write(9, sector(0x5a)));

        writerStub.trimSectors(trim(9));

        assertArrayEquals(
                sector(0), writerStub.readSectors(read(9)).getSectors(0).toByteArray());
        assertEquals(
                0, writerStub.getStatus(GetStatusRequest.getDefaultInstance()).getUsedSectors());
    }

    @Test
    void noSetInstalled_writeIsRefused() {
        assertRefused(
                SectorError.WRITER_NOT_AUTHORIZED,
                Status.Code.PERMISSION_DENIED,
                () -> writerStub.writeSectors(write(0, sector(1))));
        assertStillServes();
    }

    @Test
    void writerOutsideTheSet_isRefusedForWriteAndTrim() {
        NodeIdentity other = fixture.identity(Role.CACHE);
        fixture.authorize(3, other);

        assertRefused(
                SectorError.WRITER_NOT_AUTHORIZED,
                Status.Code.PERMISSION_DENIED,
                () -> writerStub.writeSectors(write(0, sector(1))));
        assertRefused(
                SectorError.WRITER_NOT_AUTHORIZED,
                Status.Code.PERMISSION_DENIED,
                () -> writerStub.trimSectors(trim(0)));
        assertEquals(2, fixture.server().refusalCount(SectorError.WRITER_NOT_AUTHORIZED));
        assertStillServes();
    }

    @Test
    void newerSet_revokesAWriter() {
        fixture.authorize(1, writer);
        writerStub.writeSectors(write(0, sector(1)));
        fixture.authorize(2);

        assertRefused(
                SectorError.WRITER_NOT_AUTHORIZED,
                Status.Code.PERMISSION_DENIED,
                () -> writerStub.writeSectors(write(0, sector(2))));
    }

    @Test
    void olderOrEqualSetVersion_isRefusedAndAuthorizationNeverRollsBack() {
        InstallAuthorizationRequest old = fixture.authority().sign(4, List.of(writer.nodeId()));
        fixture.authorize(5);
        SectorServiceBlockingStub relay = fixture.stub(fixture.identity(Role.TABLET_STORE));

        assertRefused(
                SectorError.AUTHORIZATION_ROLLBACK,
                Status.Code.FAILED_PRECONDITION,
                () -> relay.installAuthorization(old));
        assertRefused(
                SectorError.AUTHORIZATION_ROLLBACK,
                Status.Code.FAILED_PRECONDITION,
                () -> relay.installAuthorization(fixture.authority().sign(5, List.of(writer.nodeId()))));
        assertRefused(
                SectorError.WRITER_NOT_AUTHORIZED,
                Status.Code.PERMISSION_DENIED,
                () -> writerStub.writeSectors(write(0, sector(1))));
        assertEquals(
                5, writerStub.getStatus(GetStatusRequest.getDefaultInstance()).getAuthorizationVersion());
    }

    @Test
    void setNotSignedByTheAuthority_isRefused() {
        InstallAuthorizationRequest forged = WriterAuthority.generate().sign(1, List.of(writer.nodeId()));
        InstallAuthorizationRequest genuine = fixture.authority().sign(1, List.of(writer.nodeId()));
        InstallAuthorizationRequest tampered = genuine.toBuilder()
                .setWriterSet(
                        fixture.authority().sign(2, List.of(writer.nodeId())).getWriterSet())
                .build();
        InstallAuthorizationRequest junkSignature = genuine.toBuilder()
                .setSignature(ByteString.copyFromUtf8("junk"))
                .build();

        for (InstallAuthorizationRequest bad : List.of(forged, tampered, junkSignature)) {
            assertRefused(
                    SectorError.AUTHORIZATION_SIGNATURE,
                    Status.Code.UNAUTHENTICATED,
                    () -> writerStub.installAuthorization(bad));
        }
        assertEquals(
                0, writerStub.getStatus(GetStatusRequest.getDefaultInstance()).getAuthorizationVersion());
        assertEquals(1, writerStub.installAuthorization(genuine).getInstalledVersion());
    }

    @Test
    void signedSetWithMalformedNodeId_isRefused() {
        InstallAuthorizationRequest bad = fixture.authority().sign(1, List.of("NOT-A-NODE-ID"));

        assertRefused(
                SectorError.MALFORMED_REQUEST,
                Status.Code.INVALID_ARGUMENT,
                () -> writerStub.installAuthorization(bad));
    }

    @Test
    void writerClaimingANewerVersion_isToldTheServerIsStale() {
        fixture.authorize(1, writer);
        WriteSectorsRequest request =
                write(0, sector(1)).toBuilder().setAuthorizationVersion(2).build();

        assertRefused(
                SectorError.AUTHORIZATION_STALE,
                Status.Code.FAILED_PRECONDITION,
                () -> writerStub.writeSectors(request));
    }

    @Test
    void tabletStoreOrClient_mayNotUseDataCalls() {
        NodeIdentity tabletStore = fixture.identity(Role.TABLET_STORE);
        fixture.authorize(1, writer, tabletStore);
        SectorServiceBlockingStub tabletStub = fixture.stub(tabletStore);
        SectorServiceBlockingStub clientStub = fixture.stub(fixture.identity(Role.CLIENT));

        assertRefused(
                SectorError.WRONG_ROLE,
                Status.Code.PERMISSION_DENIED,
                () -> tabletStub.writeSectors(write(0, sector(1))));
        assertRefused(SectorError.WRONG_ROLE, Status.Code.PERMISSION_DENIED, () -> tabletStub.trimSectors(trim(0)));
        assertRefused(SectorError.WRONG_ROLE, Status.Code.PERMISSION_DENIED, () -> clientStub.readSectors(read(0)));
        assertStillServes();
    }

    @Test
    void sectorRolePeer_isRefusedAtTls() {
        SectorServiceBlockingStub sectorStub = fixture.stub(fixture.identity(Role.SECTOR));

        StatusRuntimeException e =
                assertThrows(StatusRuntimeException.class, () -> sectorStub.writeSectors(write(0, sector(1))));

        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
        assertTrue(fixture.server().tlsRefusalCount(Refusal.WRONG_ROLE) >= 1);
        assertStillServes();
    }

    @Test
    void tooManySectors_isRefused() {
        fixture.authorize(1, writer);
        long[] tooMany = new long[SectorServer.SECTORS_PER_REQUEST_MAX + 1];
        WriteSectorsRequest.Builder bigWrite = WriteSectorsRequest.newBuilder();
        for (long index : tooMany) {
            bigWrite.addWrites(SectorWrite.newBuilder().setSectorIndex(index).setData(ByteString.copyFrom(sector(1))));
        }

        assertRefused(
                SectorError.TOO_MANY_SECTORS,
                Status.Code.RESOURCE_EXHAUSTED,
                () -> writerStub.readSectors(read(tooMany)));
        assertRefused(
                SectorError.TOO_MANY_SECTORS,
                Status.Code.RESOURCE_EXHAUSTED,
                () -> writerStub.writeSectors(bigWrite.build()));
        assertRefused(
                SectorError.TOO_MANY_SECTORS,
                Status.Code.RESOURCE_EXHAUSTED,
                () -> writerStub.trimSectors(trim(tooMany)));
        assertStillServes();
    }

    @Test
    void messageOverTheInboundLimit_isRefusedBeforeParsing() {
        fixture.authorize(1, writer);
        WriteSectorsRequest huge = WriteSectorsRequest.newBuilder()
                .addWrites(SectorWrite.newBuilder()
                        .setData(ByteString.copyFrom(new byte[SectorServer.INBOUND_MESSAGE_BYTES_MAX + 1])))
                .build();

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> writerStub.writeSectors(huge));

        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
        assertStillServes();
    }

    @Test
    void outOfRangeIndex_isRefused() {
        fixture.authorize(1, writer);

        assertRefused(
                SectorError.SECTOR_OUT_OF_RANGE,
                Status.Code.OUT_OF_RANGE,
                () -> writerStub.readSectors(read(CAPACITY_SECTORS)));
        assertRefused(
                SectorError.SECTOR_OUT_OF_RANGE, Status.Code.OUT_OF_RANGE, () -> writerStub.readSectors(read(-1L)));
        assertRefused(
                SectorError.SECTOR_OUT_OF_RANGE,
                Status.Code.OUT_OF_RANGE,
                () -> writerStub.writeSectors(write(CAPACITY_SECTORS, sector(1))));
        assertRefused(
                SectorError.SECTOR_OUT_OF_RANGE,
                Status.Code.OUT_OF_RANGE,
                () -> writerStub.trimSectors(trim(0, CAPACITY_SECTORS)));
        assertStillServes();
    }

    @Test
    void malformedRequests_areRefusedAsMalformed() {
        fixture.authorize(1, writer);
        ReadSectorsRequest shortNonce =
                read(0).toBuilder().setNonce(ByteString.copyFrom(new byte[31])).build();
        WriteSectorsRequest duplicate = write(0, sector(1)).toBuilder()
                .addWrites(SectorWrite.newBuilder().setSectorIndex(0).setData(ByteString.copyFrom(sector(2))))
                .build();

        assertRefused(
                SectorError.MALFORMED_REQUEST,
                Status.Code.INVALID_ARGUMENT,
                () -> writerStub.writeSectors(write(0, new byte[SectorServer.SECTOR_BYTES - 1])));
        assertRefused(
                SectorError.MALFORMED_REQUEST, Status.Code.INVALID_ARGUMENT, () -> writerStub.readSectors(shortNonce));
        assertRefused(
                SectorError.MALFORMED_REQUEST, Status.Code.INVALID_ARGUMENT, () -> writerStub.writeSectors(duplicate));
        assertRefused(
                SectorError.MALFORMED_REQUEST, Status.Code.INVALID_ARGUMENT, () -> writerStub.readSectors(read()));
        assertStillServes();
    }

    @Test
    void refusedWrite_changesNothing() {
        fixture.authorize(1, writer);
        WriteSectorsRequest halfBad = write(2, sector(9)).toBuilder()
                .addWrites(SectorWrite.newBuilder()
                        .setSectorIndex(CAPACITY_SECTORS)
                        .setData(ByteString.copyFrom(sector(9))))
                .build();

        assertRefused(
                SectorError.SECTOR_OUT_OF_RANGE, Status.Code.OUT_OF_RANGE, () -> writerStub.writeSectors(halfBad));

        assertArrayEquals(
                sector(0), writerStub.readSectors(read(2)).getSectors(0).toByteArray());
        assertEquals(
                0, writerStub.getStatus(GetStatusRequest.getDefaultInstance()).getUsedSectors());
    }

    @Test
    void garbageProtobuf_isRefusedAsMalformed() {
        fixture.authorize(1, writer);
        ManagedChannel channel = fixture.channel(writer);
        // Field 1 as a length-delimited value that claims more bytes than follow.
        byte[] garbage = {0x0a, 0x7f, 0x01, 0x02};

        for (MethodDescriptor<?, ?> method : List.of(
                SectorServiceGrpc.getReadSectorsMethod(),
                SectorServiceGrpc.getWriteSectorsMethod(),
                SectorServiceGrpc.getInstallAuthorizationMethod())) {
            assertRefused(
                    SectorError.MALFORMED_REQUEST,
                    Status.Code.INVALID_ARGUMENT,
                    () -> ClientCalls.blockingUnaryCall(
                            channel, rawBytes(method.getFullMethodName()), callOptions(), garbage));
        }
        assertStillServes();
    }

    @Test
    void testHooks_snapshotAndRestore_rollsDataBack() {
        fixture.authorize(1, writer);
        writerStub.writeSectors(write(5, sector(1)));
        TestHooks.Snapshot before = fixture.hooks().snapshot();
        writerStub.writeSectors(write(5, sector(2)));
        writerStub.writeSectors(write(6, sector(3)));

        fixture.hooks().restore(before);

        assertArrayEquals(
                sector(1), writerStub.readSectors(read(5)).getSectors(0).toByteArray());
        assertArrayEquals(
                sector(0), writerStub.readSectors(read(6)).getSectors(0).toByteArray());
        assertEquals(
                1, writerStub.getStatus(GetStatusRequest.getDefaultInstance()).getUsedSectors());
    }

    @Test
    void testHooks_flipBitsAndDumpRam() {
        fixture.authorize(1, writer);
        writerStub.writeSectors(write(2, sector(0x11)));
        writerStub.writeSectors(write(7, sector(0x12)));
        assertArrayEquals(new long[] {2, 7}, fixture.hooks().usedSectorIndices());

        fixture.hooks().flipBits(2, 100, 0xff);

        byte[] stored = writerStub.readSectors(read(2)).getSectors(0).toByteArray();
        assertEquals((byte) ~0x11, stored[100]);
        assertEquals((byte) 0x11, stored[101]);
        byte[] ram = fixture.hooks().dumpRam();
        assertEquals(CAPACITY_SECTORS * SectorServer.SECTOR_BYTES, ram.length);
        assertEquals((byte) 0x11, ram[2 * SectorServer.SECTOR_BYTES]);
        assertEquals((byte) ~0x11, ram[2 * SectorServer.SECTOR_BYTES + 100]);
    }

    @Test
    void testHooks_corruptWrites_flipsOneBitOfEachSectorWrittenWhileOn() {
        fixture.authorize(1, writer);
        fixture.hooks().corruptWrites(true);
        writerStub.writeSectors(write(3, sector(0x20)));
        fixture.hooks().corruptWrites(false);
        writerStub.writeSectors(write(4, sector(0x20)));

        byte[] corrupt = writerStub.readSectors(read(3)).getSectors(0).toByteArray();
        byte[] intact = writerStub.readSectors(read(4)).getSectors(0).toByteArray();
        assertArrayEquals(sector(0x20), intact);
        int differing = 0;
        for (int i = 0; i < corrupt.length; i++) {
            differing += Integer.bitCount((corrupt[i] ^ 0x20) & 0xff);
        }
        assertEquals(1, differing, "exactly one bit flipped");
    }

    @Test
    void testHooks_fork_answersTheCloneSidesCallersFromACopyThatDiverges() {
        NodeIdentity other = fixture.identity(Role.CACHE);
        SectorServiceBlockingStub otherStub = fixture.stub(other);
        fixture.authorize(1, writer, other);
        writerStub.writeSectors(write(5, sector(1)));

        assertEquals(1, fixture.hooks().fork(Set.of(other.nodeId())));
        writerStub.writeSectors(write(5, sector(2)));
        otherStub.writeSectors(write(6, sector(3)));

        assertArrayEquals(
                sector(2), writerStub.readSectors(read(5)).getSectors(0).toByteArray());
        assertArrayEquals(
                sector(0), writerStub.readSectors(read(6)).getSectors(0).toByteArray());
        assertArrayEquals(
                sector(1), otherStub.readSectors(read(5)).getSectors(0).toByteArray());
        assertArrayEquals(
                sector(3), otherStub.readSectors(read(6)).getSectors(0).toByteArray());
        // One identity on both sides: the clone's signed reads verify as the server's.
        assertEquals(
                fixture.serverIdentity().nodeId(),
                otherStub.getStatus(GetStatusRequest.getDefaultInstance()).getNodeId());
        assertEquals(
                2, otherStub.getStatus(GetStatusRequest.getDefaultInstance()).getUsedSectors());

        fixture.hooks().unfork();
        assertArrayEquals(
                sector(2), otherStub.readSectors(read(5)).getSectors(0).toByteArray());
        assertArrayEquals(
                sector(0), otherStub.readSectors(read(6)).getSectors(0).toByteArray());
        assertThrows(IllegalArgumentException.class, () -> fixture.hooks().fork(Set.of()));
    }

    private void assertStillServes() {
        GetStatusResponse status =
                fixture.stub(fixture.identity(Role.CACHE)).getStatus(GetStatusRequest.getDefaultInstance());
        assertEquals(CAPACITY_SECTORS, status.getCapacitySectors());
        assertEquals(
                SectorServer.SECTOR_BYTES,
                writerStub.readSectors(read(0)).getSectors(0).size());
    }

    static void assertRefused(SectorError error, Status.Code code, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.toString());
        assertTrue(e.getStatus().getDescription().startsWith(error.name() + ": "), e.toString());
    }

    static ReadSectorsRequest read(long... indices) {
        ReadSectorsRequest.Builder request =
                ReadSectorsRequest.newBuilder().setNonce(ByteString.copyFrom(SignedRead.newNonce()));
        for (long index : indices) {
            request.addSectorIndices(index);
        }
        return request.build();
    }

    static WriteSectorsRequest write(long index, byte[] data) {
        return WriteSectorsRequest.newBuilder()
                .addWrites(SectorWrite.newBuilder().setSectorIndex(index).setData(ByteString.copyFrom(data)))
                .build();
    }

    static TrimSectorsRequest trim(long... indices) {
        TrimSectorsRequest.Builder request = TrimSectorsRequest.newBuilder();
        for (long index : indices) {
            request.addSectorIndices(index);
        }
        return request.build();
    }

    private static CallOptions callOptions() {
        return CallOptions.DEFAULT.withDeadlineAfter(SectorServerFixture.TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static MethodDescriptor<byte[], byte[]> rawBytes(String fullMethodName) {
        MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
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
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(fullMethodName)
                .setRequestMarshaller(bytes)
                .setResponseMarshaller(bytes)
                .build();
    }
}
