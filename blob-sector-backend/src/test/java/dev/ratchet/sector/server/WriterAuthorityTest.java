package dev.ratchet.sector.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.sector.proto.InstallAuthorizationRequest;
import dev.ratchet.sector.proto.SectorError;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The writer authority's signatures as {@link AuthorizedWriters} checks them, without a network. */
class WriterAuthorityTest {
    private static final String NODE_A = "a".repeat(64);
    private static final String NODE_B = "b".repeat(64);

    private final WriterAuthority authority = WriterAuthority.generate();
    private final AuthorizedWriters writers = new AuthorizedWriters(authority.publicKey());

    @Test
    void publicKeyPem_roundTrips() {
        String pem = authority.publicKeyPem();

        assertTrue(pem.startsWith("-----BEGIN PUBLIC KEY-----\n"), pem);
        assertEquals(authority.publicKey(), WriterAuthority.parsePublicKeyPem(pem));
        assertThrows(IllegalArgumentException.class, () -> WriterAuthority.parsePublicKeyPem("not a key"));
    }

    @Test
    void versionsOnlyMoveUp() throws Exception {
        assertEquals(1, install(authority.sign(1, List.of(NODE_A))));
        writers.checkWriter(NODE_A, 0);
        assertEquals(7, install(authority.sign(7, List.of(NODE_B))));

        assertRefused(SectorError.AUTHORIZATION_ROLLBACK, authority.sign(7, List.of(NODE_A)));
        assertRefused(SectorError.AUTHORIZATION_ROLLBACK, authority.sign(2, List.of(NODE_A)));
        writers.checkWriter(NODE_B, 7);
        SectorRefusedException e = assertThrows(SectorRefusedException.class, () -> writers.checkWriter(NODE_A, 0));
        assertEquals(SectorError.WRITER_NOT_AUTHORIZED, e.error());
        assertEquals(7, writers.version());
    }

    @Test
    void versionZero_isNeverNewer() {
        assertRefused(SectorError.AUTHORIZATION_ROLLBACK, authority.sign(0, List.of(NODE_A)));
    }

    @Test
    void tooManyWriters_isMalformed() {
        List<String> many = Collections.nCopies(AuthorizedWriters.WRITERS_MAX + 1, NODE_A);

        assertRefused(SectorError.MALFORMED_REQUEST, authority.sign(1, many));
    }

    @Test
    void nonEcAuthorityKey_isRejectedAtConstruction() throws Exception {
        java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        java.security.PublicKey rsaKey = rsa.generateKeyPair().getPublic();

        assertThrows(IllegalArgumentException.class, () -> new AuthorizedWriters(rsaKey));
    }

    private long install(InstallAuthorizationRequest request) throws SectorRefusedException {
        return writers.install(
                request.getWriterSet().toByteArray(), request.getSignature().toByteArray());
    }

    private void assertRefused(SectorError error, InstallAuthorizationRequest request) {
        SectorRefusedException e = assertThrows(SectorRefusedException.class, () -> install(request));
        assertEquals(error, e.error());
        assertEquals(SectorRefusedException.code(error), e.status().getCode());
        assertTrue(e.status().getDescription().startsWith(error.name() + ": "), e.getMessage());
    }
}
