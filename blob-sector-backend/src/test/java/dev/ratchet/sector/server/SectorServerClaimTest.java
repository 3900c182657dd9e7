package dev.ratchet.sector.server;

import static dev.ratchet.sector.server.SectorServerFixture.sector;
import static dev.ratchet.sector.server.SectorServerTest.assertRefused;
import static dev.ratchet.sector.server.SectorServerTest.read;
import static dev.ratchet.sector.server.SectorServerTest.trim;
import static dev.ratchet.sector.server.SectorServerTest.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ratchet.attestation.NodeIdentity;
import dev.ratchet.attestation.Role;
import dev.ratchet.sector.proto.GetStatusRequest;
import dev.ratchet.sector.proto.InstallAuthorityRequest;
import dev.ratchet.sector.proto.InstallAuthorityResponse;
import dev.ratchet.sector.proto.SectorError;
import dev.ratchet.sector.proto.SectorServiceGrpc.SectorServiceBlockingStub;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A sector server started without an authority key: unclaimed until a tablet-store or client peer
 * installs one, exactly once.
 */
class SectorServerClaimTest {
    private final SectorServerFixture fixture = SectorServerFixture.unclaimed();
    private final NodeIdentity writer = fixture.identity(Role.CACHE);
    private final SectorServiceBlockingStub writerStub = fixture.stub(writer);
    private final SectorServiceBlockingStub adminStub = fixture.stub(fixture.identity(Role.CLIENT));

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void unclaimed_refusesWritesTrimsAndWriterSets_butServesReadsAndStatus() {
        assertRefused(
                SectorError.AUTHORITY_NOT_SET,
                Status.Code.FAILED_PRECONDITION,
                () -> writerStub.writeSectors(write(0, sector(1))));
        assertRefused(
                SectorError.AUTHORITY_NOT_SET, Status.Code.FAILED_PRECONDITION, () -> writerStub.trimSectors(trim(0)));
        assertRefused(
                SectorError.AUTHORITY_NOT_SET,
                Status.Code.FAILED_PRECONDITION,
                () -> adminStub.installAuthorization(fixture.authority().sign(1, List.of(writer.nodeId()))));

        assertArrayEquals(
                sector(0), writerStub.readSectors(read(0)).getSectors(0).toByteArray());
        assertTrue(adminStub
                .getStatus(GetStatusRequest.getDefaultInstance())
                .getAuthorityPublicKeySpki()
                .isEmpty());
        assertTrue(fixture.server().authorityKey().isEmpty());
        assertEquals(3, fixture.server().refusalCount(SectorError.AUTHORITY_NOT_SET));
    }

    @Test
    void claimedByClient_thenWriterSetInstalls_andTheWriterWrites() {
        InstallAuthorityResponse claimed = adminStub.installAuthority(install(fixture.authority()));

        assertArrayEquals(
                fixture.authority().publicKey().getEncoded(),
                claimed.getAuthorityPublicKeySpki().toByteArray());
        assertEquals(
                claimed.getAuthorityPublicKeySpki(),
                adminStub.getStatus(GetStatusRequest.getDefaultInstance()).getAuthorityPublicKeySpki());
        fixture.authorize(1, writer);
        writerStub.writeSectors(write(2, sector(9)));
        assertArrayEquals(
                sector(9), writerStub.readSectors(read(2)).getSectors(0).toByteArray());
    }

    @Test
    void claimedByTabletStore_isAccepted() {
        SectorServiceBlockingStub tabletStore = fixture.stub(fixture.identity(Role.TABLET_STORE));

        tabletStore.installAuthority(install(fixture.authority()));

        assertEquals(
                fixture.authority().publicKey(), fixture.server().authorityKey().orElseThrow());
    }

    @Test
    void sameKeyAgain_isIdempotent() {
        adminStub.installAuthority(install(fixture.authority()));

        InstallAuthorityResponse again =
                fixture.stub(fixture.identity(Role.TABLET_STORE)).installAuthority(install(fixture.authority()));

        assertArrayEquals(
                fixture.authority().publicKey().getEncoded(),
                again.getAuthorityPublicKeySpki().toByteArray());
    }

    @Test
    void differentKey_isRefusedAndTheFirstClaimStands() {
        adminStub.installAuthority(install(fixture.authority()));
        WriterAuthority rival = WriterAuthority.generate();

        assertRefused(
                SectorError.AUTHORITY_ALREADY_SET,
                Status.Code.ALREADY_EXISTS,
                () -> adminStub.installAuthority(install(rival)));
        assertRefused(
                SectorError.AUTHORIZATION_SIGNATURE,
                Status.Code.UNAUTHENTICATED,
                () -> adminStub.installAuthorization(rival.sign(1, List.of(writer.nodeId()))));
        assertEquals(
                fixture.authority().publicKey(), fixture.server().authorityKey().orElseThrow());
    }

    @Test
    void serverStartedWithAKey_refusesAnotherKey_andAcceptsItsOwn() {
        try (SectorServerFixture claimedAtStart = new SectorServerFixture()) {
            SectorServiceBlockingStub admin = claimedAtStart.stub(claimedAtStart.identity(Role.CLIENT));

            admin.installAuthority(install(claimedAtStart.authority()));
            assertRefused(
                    SectorError.AUTHORITY_ALREADY_SET,
                    Status.Code.ALREADY_EXISTS,
                    () -> admin.installAuthority(install(WriterAuthority.generate())));
        }
    }

    @Test
    void cacheRole_mayNotClaim() {
        assertRefused(
                SectorError.WRONG_ROLE,
                Status.Code.PERMISSION_DENIED,
                () -> writerStub.installAuthority(install(fixture.authority())));
        assertTrue(fixture.server().authorityKey().isEmpty());
    }

    @Test
    void keyThatIsNotAnEcPublicKey_isMalformed_andLeavesTheServerUnclaimed() {
        for (ByteString junk :
                List.of(ByteString.EMPTY, ByteString.copyFromUtf8("not a key"), ByteString.copyFrom(new byte[2048]))) {
            assertRefused(
                    SectorError.MALFORMED_REQUEST,
                    Status.Code.INVALID_ARGUMENT,
                    () -> adminStub.installAuthority(InstallAuthorityRequest.newBuilder()
                            .setAuthorityPublicKeySpki(junk)
                            .build()));
        }
        assertTrue(fixture.server().authorityKey().isEmpty());
    }

    private static InstallAuthorityRequest install(WriterAuthority authority) {
        return InstallAuthorityRequest.newBuilder()
                .setAuthorityPublicKeySpki(
                        ByteString.copyFrom(authority.publicKey().getEncoded()))
                .build();
    }
}
