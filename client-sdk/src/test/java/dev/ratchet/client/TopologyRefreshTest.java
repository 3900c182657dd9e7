package dev.ratchet.client;

import static dev.ratchet.client.RatchetClientTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ratchet.client.proto.KvError;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client fetches the topology once, again when it is old, and again soon after a node fails; time is a test clock. */
class TopologyRefreshTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final TestTrust trust = new TestTrust();
    private final ManualClock clock = new ManualClock(Instant.now());
    private final FakeKvServer server = trust.startServer();
    private final RatchetClient client = trust.track(trust.clientBuilder()
            .endpoint(server.endpoint())
            .clock(clock)
            .topologyRefresh(Duration.ofSeconds(60))
            .build());

    @AfterEach
    void closeAll() {
        trust.close();
    }

    @Test
    void topology_isFetchedOnce_thenAgainWhenOld() throws Exception {
        client.get(bytes("a"));
        server.awaitCalls("Topology", 1, WAIT);
        awaitTopologyInstalled();

        clock.advance(Duration.ofSeconds(59));
        client.get(bytes("b"));
        assertEquals(1, server.calls("Topology").size());

        clock.advance(Duration.ofSeconds(1));
        client.get(bytes("c"));
        server.awaitCalls("Topology", 2, WAIT);
    }

    @Test
    void topology_isFetchedAgain_soonAfterANodeFailure() throws Exception {
        client.get(bytes("a"));
        server.awaitCalls("Topology", 1, WAIT);
        awaitTopologyInstalled();
        server.failNext(1, KvError.NOT_SERVING);

        client.get(bytes("b"));
        clock.advance(Router.FETCH_RETRY_INTERVAL);
        client.get(bytes("c"));

        server.awaitCalls("Topology", 2, WAIT);
    }

    private void awaitTopologyInstalled() {
        Await.until(client.router()::hasTopology, WAIT, "the topology to be installed");
    }

    /** A clock that moves only when told. */
    private static final class ManualClock extends Clock {
        private volatile Instant now;

        ManualClock(Instant start) {
            this.now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }
}
