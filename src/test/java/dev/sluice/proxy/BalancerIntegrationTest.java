package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Behavior;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every balancer through the gateway against three real upstreams, each answering with its name. The gateway has
 * several event loops but one balancer per upstream, so counts are global whatever loop a request runs on.
 */
class BalancerIntegrationTest {
    private static final String CONFIG = """
            server: { listen: 127.0.0.1:0, trusted_proxies: [127.0.0.1/32] }
            upstreams:
              u:
                balancer: %s
                %s
                targets:
                  - { url: "${A}", weight: %d }
                  - { url: "${B}", weight: %d }
                  - { url: "${C}", weight: %d }
                  %s
            routes:
              - { id: all, match: { path_prefix: / }, upstream: u }
            """;

    private TestUpstream a;
    private TestUpstream b;
    private TestUpstream c;
    private TestUpstream d;

    @BeforeEach
    void startUpstreams() throws Exception {
        a = TestUpstream.start("a");
        b = TestUpstream.start("b");
        c = TestUpstream.start("c");
        d = TestUpstream.start("d");
    }

    @AfterEach
    void stopUpstreams() {
        a.close();
        b.close();
        c.close();
        d.close();
    }

    @Test
    void roundRobin_3000Requests_splitExactlyEqually() throws Exception {
        try (GatewayHarness gw = start("round_robin", "", 1, 1, 1)) {
            assertThat(count(gw, 3000)).containsExactly(Map.entry("a", 1000L), Map.entry("b", 1000L),
                    Map.entry("c", 1000L));
        }
    }

    @Test
    void weightedRoundRobin_fullCycles_splitExactlyByWeight() throws Exception {
        try (GatewayHarness gw = start("weighted_round_robin", "", 5, 3, 2)) {
            assertThat(count(gw, 1000)).containsExactly(Map.entry("a", 500L), Map.entry("b", 300L),
                    Map.entry("c", 200L));
        }
    }

    @Test
    void random_2000Requests_splitRoughlyByWeight() throws Exception {
        try (GatewayHarness gw = start("random", "", 5, 3, 2)) {
            final Map<String, Long> counts = count(gw, 2000);
            // Binomial standard deviations are about 22, 20 and 18: a tolerance of 100 is more than 4 sigma.
            assertThat(counts.get("a")).isBetween(900L, 1100L);
            assertThat(counts.get("b")).isBetween(500L, 700L);
            assertThat(counts.get("c")).isBetween(300L, 500L);
        }
    }

    @Test
    void leastRequest_oneSlowUpstreamUnderConcurrentLoad_prefersIdleUpstreams() throws Exception {
        a.respondWith(r -> Behavior.respond(200, "a").delayed(300));
        try (GatewayHarness gw = start("least_request", "", 1, 1, 1)) {
            final int clients = 4;
            final int perClient = 20;
            final Map<String, Long> counts = new TreeMap<>();
            final ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                final List<Future<Map<String, Long>>> parts = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    parts.add(pool.submit(() -> count(gw, perClient)));
                }
                for (Future<Map<String, Long>> f : parts) {
                    f.get().forEach((k, v) -> counts.merge(k, v, Long::sum));
                }
            } finally {
                pool.shutdownNow();
            }
            // Round robin would send a third (27) to the slow upstream.
            assertThat(counts.getOrDefault("a", 0L)).isLessThan(clients * perClient / 5);
        }
    }

    @Test
    void consistentHashHeader_sameKey_sameUpstream() throws Exception {
        try (GatewayHarness gw = start("consistent_hash", "hash_on: header:X-User", 1, 1, 1)) {
            assertThat(count(gw, 30, i -> "X-User: alice")).hasSize(1);
        }
    }

    @Test
    void consistentHashHeader_differentKeys_spreadOverAllUpstreams() throws Exception {
        try (GatewayHarness gw = start("consistent_hash", "hash_on: header:X-User", 1, 1, 1)) {
            final Map<String, Long> counts = count(gw, 300, i -> "X-User: user-" + i);
            assertThat(counts).containsOnlyKeys("a", "b", "c");
            assertThat(counts.values()).allSatisfy(n -> assertThat(n).isGreaterThan(50L));
        }
    }

    @Test
    void consistentHashCookie_sameKey_sameUpstream() throws Exception {
        try (GatewayHarness gw = start("consistent_hash", "hash_on: cookie:session", 1, 1, 1)) {
            assertThat(count(gw, 30, i -> "Cookie: theme=dark; session=s-42")).hasSize(1);
        }
    }

    @Test
    void consistentHashCookie_differentKeys_spreadOverAllUpstreams() throws Exception {
        try (GatewayHarness gw = start("consistent_hash", "hash_on: cookie:session", 1, 1, 1)) {
            final Map<String, Long> counts = count(gw, 300, i -> "Cookie: session=s-" + i);
            assertThat(counts).containsOnlyKeys("a", "b", "c");
        }
    }

    @Test
    void consistentHashClientIp_sameClient_sameUpstream() throws Exception {
        try (GatewayHarness gw = start("consistent_hash", "hash_on: client_ip", 1, 1, 1)) {
            assertThat(count(gw, 30, i -> "X-Forwarded-For: 198.51.100.7")).hasSize(1);
        }
    }

    @Test
    void consistentHashClientIp_differentClients_spreadOverAllUpstreams() throws Exception {
        try (GatewayHarness gw = start("consistent_hash", "hash_on: client_ip", 1, 1, 1)) {
            final Map<String, Long> counts = count(gw, 300, i -> "X-Forwarded-For: 10.0." + (i / 250) + "."
                    + (i % 250));
            assertThat(counts).containsOnlyKeys("a", "b", "c");
        }
    }

    @Test
    void consistentHash_fourthTargetAddedByReload_movesAboutAQuarterOfKeysAllToIt() throws Exception {
        try (GatewayHarness gw = start("consistent_hash", "hash_on: header:X-User", 1, 1, 1)) {
            final int keys = 400;
            final Map<Integer, String> before = owners(gw, keys);
            assertThat(gw.reload(config("consistent_hash", "hash_on: header:X-User", 1, 1, 1,
                    "- { url: \"${D}\" }"))).isEmpty();
            final Map<Integer, String> after = owners(gw, keys);
            int moved = 0;
            for (int k = 0; k < keys; k++) {
                if (!before.get(k).equals(after.get(k))) {
                    moved++;
                    assertThat(after.get(k)).as("new owner of key %d", k).isEqualTo("d");
                }
            }
            // Expected 1/4 of the keys; docs/load-balancing.md bounds it by 1.5/(N+1).
            assertThat(moved).isBetween(keys / 10, keys * 3 / 8);
        }
    }

    private GatewayHarness start(String balancer, String hashOn, int wa, int wb, int wc) throws Exception {
        return GatewayHarness.start(config(balancer, hashOn, wa, wb, wc, ""),
                Map.of("A", a.url(), "B", b.url(), "C", c.url(), "D", d.url()));
    }

    private static String config(String balancer, String hashOn, int wa, int wb, int wc, String extraTarget) {
        return CONFIG.formatted(balancer, hashOn, wa, wb, wc, extraTarget);
    }

    private static Map<String, Long> count(GatewayHarness gw, int requests) throws Exception {
        return count(gw, requests, i -> null);
    }

    /** Sends {@code requests} GETs on one client connection; counts responses by upstream name. */
    private static Map<String, Long> count(GatewayHarness gw, int requests,
            IntFunction<String> header) throws Exception {
        final Map<String, Long> counts = new TreeMap<>();
        try (RawClient client = RawClient.connect(gw.port())) {
            for (int i = 0; i < requests; i++) {
                final String h = header.apply(i);
                final RawClient.Response r = h == null ? client.get("/x") : client.get("/x", h);
                assertThat(r.status()).isEqualTo(200);
                counts.merge(r.body(), 1L, Long::sum);
            }
        }
        return counts;
    }

    private static Map<Integer, String> owners(GatewayHarness gw, int keys) throws Exception {
        final Map<Integer, String> owners = new HashMap<>();
        try (RawClient client = RawClient.connect(gw.port())) {
            for (int k = 0; k < keys; k++) {
                final RawClient.Response r = client.get("/x", "X-User: key-" + k);
                assertThat(r.status()).isEqualTo(200);
                owners.put(k, r.body());
            }
        }
        return owners;
    }
}
