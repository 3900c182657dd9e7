package dev.ratchet.client;

import static dev.ratchet.client.RatchetClientTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.client.proto.TabletRange;
import dev.ratchet.client.proto.TopologyResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Ring positions, rendezvous order, tablet lookup and the router's refresh decisions: all pure. */
class RoutingTest {
    private static final List<String> ENDPOINTS =
            List.of("10.0.0.1:7400", "10.0.0.2:7400", "10.0.0.3:7400", "10.0.0.4:7400");

    @Test
    void ringPosition_isTheFirstEightBytesOfSha256_bigEndian() {
        // SHA-256("") = e3b0c44298fc1c14 9afbf4c8996fb924 ...
        assertEquals(0xe3b0c44298fc1c14L, Ring.position(new byte[0]));
        // SHA-256("abc") = ba7816bf8f01cfea ...
        assertEquals(0xba7816bf8f01cfeaL, Ring.position(bytes("abc")));
    }

    @Test
    void rendezvousOrder_isAPermutation_andDeterministic() {
        for (long token = 0; token < 100; token++) {
            List<Integer> order = Rendezvous.order(Rendezvous.TokenKind.TABLET, token, ENDPOINTS);
            assertEquals(Set.of(0, 1, 2, 3), new HashSet<>(order));
            assertEquals(order, Rendezvous.order(Rendezvous.TokenKind.TABLET, token, ENDPOINTS));
        }
    }

    @Test
    void rendezvousOrder_doesNotDependOnTheOrderEndpointsWereGiven() {
        List<String> reversed = new ArrayList<>(ENDPOINTS);
        java.util.Collections.reverse(reversed);
        for (long token = 0; token < 100; token++) {
            assertEquals(
                    names(ENDPOINTS, Rendezvous.order(Rendezvous.TokenKind.TABLET, token, ENDPOINTS)),
                    names(reversed, Rendezvous.order(Rendezvous.TokenKind.TABLET, token, reversed)));
        }
    }

    @Test
    void rendezvousFirstChoice_isSpreadEvenly() {
        int[] firsts = new int[ENDPOINTS.size()];
        SplittableRandom random = new SplittableRandom(1);
        int tokens = 20_000;
        for (int i = 0; i < tokens; i++) {
            firsts[
                    Rendezvous.order(Rendezvous.TokenKind.RING_POSITION, random.nextLong(), ENDPOINTS)
                            .get(0)]++;
        }
        for (int count : firsts) {
            // Expected 5000 each; 4.5 standard deviations is about +-275.
            assertTrue(Math.abs(count - tokens / ENDPOINTS.size()) < 300, java.util.Arrays.toString(firsts));
        }
    }

    @Test
    void removingAnEndpoint_movesOnlyTheTokensItWasFirstFor() {
        List<String> fewer = ENDPOINTS.subList(0, 3);
        for (long token = 0; token < 2_000; token++) {
            List<Integer> before = Rendezvous.order(Rendezvous.TokenKind.TABLET, token, ENDPOINTS);
            List<Integer> after = Rendezvous.order(Rendezvous.TokenKind.TABLET, token, fewer);
            List<Integer> expected = new ArrayList<>(before);
            expected.remove(Integer.valueOf(3));
            assertEquals(expected, after);
        }
    }

    @Test
    void tabletAndPositionTokens_areHashedApart() {
        int differ = 0;
        for (long token = 0; token < 100; token++) {
            if (!Rendezvous.order(Rendezvous.TokenKind.TABLET, token, ENDPOINTS)
                    .equals(Rendezvous.order(Rendezvous.TokenKind.RING_POSITION, token, ENDPOINTS))) {
                differ++;
            }
        }
        assertTrue(differ > 50, differ + " of 100 differ");
    }

    @Test
    void tabletMap_findsTheTabletHoldingAPosition_unsigned() {
        TabletMap map =
                TabletMap.of(topology(range(7, 0, 99), range(3, 100, Long.MAX_VALUE), range(9, Long.MIN_VALUE, -1L)));

        assertEquals(7, map.tabletAt(0));
        assertEquals(7, map.tabletAt(99));
        assertEquals(3, map.tabletAt(100));
        assertEquals(3, map.tabletAt(Long.MAX_VALUE));
        assertEquals(9, map.tabletAt(Long.MIN_VALUE));
        assertEquals(9, map.tabletAt(-1L));
        assertEquals(3, map.size());
    }

    @Test
    void tabletMap_refusesRangesThatDoNotPartitionTheRing() {
        assertThrows(IllegalArgumentException.class, () -> TabletMap.of(topology()));
        assertThrows(IllegalArgumentException.class, () -> TabletMap.of(topology(range(1, 1, -1L))));
        assertThrows(IllegalArgumentException.class, () -> TabletMap.of(topology(range(1, 0, 10))));
        assertThrows(IllegalArgumentException.class, () -> TabletMap.of(topology(range(1, 0, 10), range(2, 12, -1L))));
        assertThrows(IllegalArgumentException.class, () -> TabletMap.of(topology(range(1, 0, 10), range(2, 5, -1L))));
        assertThrows(IllegalArgumentException.class, () -> TabletMap.of(topology(range(1, 0, -1L), range(2, 0, -1L))));
        assertThrows(IllegalArgumentException.class, () -> TabletMap.of(topology(range(1, 0, 10), range(2, 11, 3))));
    }

    @Test
    void router_withoutTopology_routesByRingPosition() {
        Router router = new Router(ENDPOINTS, Duration.ofSeconds(60));
        byte[] key = bytes("k");

        assertEquals(
                Rendezvous.order(Rendezvous.TokenKind.RING_POSITION, Ring.position(key), ENDPOINTS), router.route(key));
        assertFalse(router.hasTopology());
    }

    @Test
    void router_withTopology_routesByTablet_soKeysOfATabletMeet() {
        Router router = new Router(ENDPOINTS, Duration.ofSeconds(60));
        router.installed(
                TabletMap.of(topology(range(5, 0, Long.MAX_VALUE), range(6, Long.MIN_VALUE, -1L))), Instant.EPOCH);

        for (int i = 0; i < 50; i++) {
            byte[] key = bytes("key-" + i);
            long tablet = Ring.position(key) >= 0 ? 5 : 6;
            assertEquals(Rendezvous.order(Rendezvous.TokenKind.TABLET, tablet, ENDPOINTS), router.route(key));
        }
    }

    @Test
    void router_fetchesWhenMissing_thenOnlyAfterTheRefreshInterval() {
        Router router = new Router(ENDPOINTS, Duration.ofSeconds(60));
        Instant t0 = Instant.parse("2026-11-22T00:00:00Z");

        assertTrue(router.startFetchIfDue(t0));
        assertFalse(router.startFetchIfDue(t0), "one fetch at a time");
        router.installed(TabletMap.of(topology(range(1, 0, -1L))), t0);

        assertFalse(router.startFetchIfDue(t0.plusSeconds(59)));
        assertTrue(router.startFetchIfDue(t0.plusSeconds(60)));
    }

    @Test
    void router_afterAFailedFetch_waitsBeforeAskingAgain() {
        Router router = new Router(ENDPOINTS, Duration.ofSeconds(60));
        Instant t0 = Instant.parse("2026-11-22T00:00:00Z");
        assertTrue(router.startFetchIfDue(t0));

        router.fetchFailed(t0);

        assertFalse(router.startFetchIfDue(t0.plus(Router.FETCH_RETRY_INTERVAL).minusMillis(1)));
        assertTrue(router.startFetchIfDue(t0.plus(Router.FETCH_RETRY_INTERVAL)));
    }

    @Test
    void router_afterANodeFailure_refreshesEarly_butNotInALoop() {
        Router router = new Router(ENDPOINTS, Duration.ofSeconds(60));
        Instant t0 = Instant.parse("2026-11-22T00:00:00Z");
        assertTrue(router.startFetchIfDue(t0));
        router.installed(TabletMap.of(topology(range(1, 0, -1L))), t0);

        router.nodeFailed(t0.plusMillis(10));

        assertFalse(router.startFetchIfDue(t0.plusMillis(10)));
        assertTrue(router.startFetchIfDue(t0.plus(Router.FETCH_RETRY_INTERVAL)));
        assertTrue(router.hasTopology());
    }

    @Test
    void client_fetchesTopologyLazily_andRoutesByIt() throws Exception {
        try (TestTrust trust = new TestTrust()) {
            FakeKvServer server = trust.startServer();
            server.tablets(List.of(range(11, 0, Long.MAX_VALUE), range(12, Long.MIN_VALUE, -1L)));
            RatchetClient client = trust.client(server);
            assertEquals(List.of(), server.calls("Topology"));

            client.get(bytes("k"));
            RatchetClientTest.awaitCalls(server, "Topology", 1);
            Await.until(client.router()::hasTopology, Duration.ofSeconds(30), "the topology to be installed");

            assertNotEquals(List.of(), server.calls("Topology"));
            assertEquals(List.of(0), client.router().route(bytes("k")));
        }
    }

    private static List<String> names(List<String> endpoints, List<Integer> order) {
        return order.stream().map(endpoints::get).toList();
    }

    static TabletRange range(long id, long first, long last) {
        return TabletRange.newBuilder()
                .setTabletId(id)
                .setRangeFirst(first)
                .setRangeLast(last)
                .build();
    }

    private static TopologyResponse topology(TabletRange... ranges) {
        return TopologyResponse.newBuilder().addAllTablets(List.of(ranges)).build();
    }
}
