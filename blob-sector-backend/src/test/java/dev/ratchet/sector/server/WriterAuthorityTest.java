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

    /**
     * The install is a fence (issue 13, item 1): a trim by a writer that passed its check under
     * the old set, held before it changes anything, finishes before an install that removes the
     * writer returns; after it returns, the removed writer is refused. Before the fix the check
     * and the change were two calls, and the install returned while the trim was still to come.
     */
    @Test
    void anInstall_waitsForEveryWriteCheckedUnderTheOldSet_andRefusesThemAfterwards() throws Exception {
        install(authority.sign(1, List.of(NODE_A, NODE_B)));
        List<String> events = Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.CountDownLatch checked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread trim = new Thread(() -> {
            try {
                writers.runAsWriter(NODE_A, 1, () -> {
                    checked.countDown();
                    awaitLatch(release);
                    events.add("trimmed");
                });
            } catch (SectorRefusedException e) {
                events.add("trim refused");
            }
        });
        trim.start();
        assertTrue(checked.await(30, java.util.concurrent.TimeUnit.SECONDS));
        Thread installer = new Thread(() -> {
            try {
                install(authority.sign(2, List.of(NODE_B)));
                events.add("installed");
            } catch (SectorRefusedException e) {
                events.add("install refused");
            }
        });
        installer.start();
        // Bounded: the installer either returns (the bug) or parks on the fence (the fix).
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (installer.isAlive() && installer.getState() != Thread.State.WAITING) {
            assertTrue(System.nanoTime() - deadline < 0, "the installer neither finished nor waited on the fence");
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        release.countDown();
        trim.join(30_000);
        installer.join(30_000);

        assertEquals(List.of("trimmed", "installed"), events);
        SectorRefusedException late = assertThrows(
                SectorRefusedException.class,
                () -> writers.runAsWriter(NODE_A, 0, () -> events.add("trimmed after removal")));
        assertEquals(SectorError.WRITER_NOT_AUTHORIZED, late.error());
        assertEquals(List.of("trimmed", "installed"), events);
    }

    private static void awaitLatch(java.util.concurrent.CountDownLatch latch) {
        try {
            if (!latch.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
