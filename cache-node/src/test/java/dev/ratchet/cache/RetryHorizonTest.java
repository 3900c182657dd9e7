package dev.ratchet.cache;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.client.RatchetClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Pins the relation the exactly-once promise rests on: the SDK's default retry budget ends well
 * inside the idempotency window's age bound, so a default client's retry is always recognized
 * (or, past the byte bound, refused), never applied twice.
 */
class RetryHorizonTest {
    @Test
    void theSdksDefaultRetryBudget_endsWellInsideTheWindowsAge() {
        int attempts = RatchetClient.DEFAULT_MAX_ATTEMPTS;
        Duration horizon = RatchetClient.DEFAULT_REQUEST_TIMEOUT
                .multipliedBy(attempts)
                .plus(RatchetClient.DEFAULT_MAX_BACKOFF.multipliedBy(attempts - 1));
        // A tick is at least one heartbeat interval (a node beats when one is due, never sooner);
        // half the window leaves room for a client's clock lagging the store's by several ticks.
        Duration window =
                Duration.ofNanos(Heartbeats.HEARTBEAT_INTERVAL_NANOS).multipliedBy(TabletWindow.AGE_TICKS_MAX);
        assertTrue(
                horizon.multipliedBy(2).compareTo(window) <= 0,
                "SDK retry horizon " + horizon + " must be at most half the window " + window);
    }
}
