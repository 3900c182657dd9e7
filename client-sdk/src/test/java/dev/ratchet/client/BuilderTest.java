package dev.ratchet.client;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every builder argument is checked when set; missing or conflicting settings when built. */
class BuilderTest {
    private final TestTrust trust = new TestTrust();

    @AfterEach
    void closeAll() throws Exception {
        trust.close();
    }

    @Test
    void endpoints_mustBeHostAndPort() {
        for (String bad :
                List.of("", "host", "host:", ":7400", "host:0", "host:65536", "host:x", "::1:7400", " :7400")) {
            assertIllegalArgument(() -> RatchetClient.builder().endpoint(bad));
        }
        RatchetClient.builder()
                .endpoint("cache-1.example:7400")
                .endpoint("[::1]:7400")
                .endpoint("10.0.0.1:1");
    }

    @Test
    void endpoints_mayNotRepeat_andTheListMayNotBeEmpty() {
        assertIllegalArgument(() -> RatchetClient.builder().endpoint("a:1").endpoint("a:1"));
        assertIllegalArgument(() -> RatchetClient.builder().endpoints(List.of()));
        assertThrows(NullPointerException.class, () -> RatchetClient.builder().endpoint(null));
    }

    @Test
    void identity_mustBeAClient() {
        assertIllegalArgument(() -> RatchetClient.builder().identity(trust.identity(Role.CACHE)));
        assertIllegalArgument(() -> RatchetClient.builder().identity(trust.identity(Role.TABLET_STORE)));
    }

    @Test
    void durationsAndAttempts_mustBeInRange() {
        assertIllegalArgument(() -> RatchetClient.builder().requestTimeout(Duration.ZERO));
        assertIllegalArgument(() -> RatchetClient.builder().requestTimeout(Duration.ofMillis(-1)));
        assertIllegalArgument(() -> RatchetClient.builder().requestTimeout(Duration.ofHours(1)));
        assertIllegalArgument(() -> RatchetClient.builder().initialBackoff(Duration.ZERO));
        assertIllegalArgument(() -> RatchetClient.builder().maxBackoff(Duration.ofDays(1)));
        assertIllegalArgument(() -> RatchetClient.builder().topologyRefresh(Duration.ZERO));
        assertIllegalArgument(() -> RatchetClient.builder().maxAttempts(0));
        assertIllegalArgument(() -> RatchetClient.builder().maxAttempts(RatchetClient.MAX_ATTEMPTS_MAX + 1));
        assertThrows(NullPointerException.class, () -> RatchetClient.builder().clock(null));
        assertThrows(NullPointerException.class, () -> RatchetClient.builder().random(null));
    }

    @Test
    void build_withoutEndpoint_orTrust_isRefused() {
        assertThrows(
                IllegalStateException.class,
                () -> RatchetClient.builder()
                        .identity(trust.identity(Role.CLIENT))
                        .verifier(trust.cacheVerifier())
                        .build());
        assertThrows(
                IllegalStateException.class,
                () -> RatchetClient.builder().endpoint("127.0.0.1:7400").build());
        assertThrows(
                IllegalStateException.class,
                () -> RatchetClient.builder()
                        .endpoint("127.0.0.1:7400")
                        .identity(trust.identity(Role.CLIENT))
                        .build());
    }

    @Test
    void build_withBothKindsOfTrust_isRefused(@TempDir Path caDirectory) {
        assertThrows(
                IllegalStateException.class,
                () -> RatchetClient.builder()
                        .endpoint("127.0.0.1:7400")
                        .identity(trust.identity(Role.CLIENT))
                        .verifier(trust.cacheVerifier())
                        .simulatedDevelopmentTrust(caDirectory)
                        .build());
    }

    @Test
    void build_withMaxBackoffBelowInitial_isRefused() {
        assertThrows(
                IllegalStateException.class,
                () -> trust.clientBuilder()
                        .endpoint("127.0.0.1:7400")
                        .initialBackoff(Duration.ofSeconds(2))
                        .maxBackoff(Duration.ofSeconds(1))
                        .build());
    }

    @Test
    void build_doesNotConnect() {
        // Nothing listens there; channels connect on first use.
        try (RatchetClient client =
                trust.clientBuilder().endpoint("127.0.0.1:1").build()) {
            assertTrue(client.router().route(new byte[] {1}).size() == 1);
        }
    }

    private static void assertIllegalArgument(Executable executable) {
        assertThrows(IllegalArgumentException.class, executable);
    }
}
