package dev.sluice.policy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.observability.GatewayMetrics;
import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.TestUpstream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Rate-limit policies on real routes, over real sockets. */
class RateLimitIntegrationTest {
    private TestUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = TestUpstream.start("app");
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    private GatewayHarness gateway(String policies) throws Exception {
        return GatewayHarness.start(config(policies), Map.of("UP", upstream.url()));
    }

    /** One route to the upstream with {@code policies} (a YAML list). */
    private static String config(String policies) {
        return """
                upstreams:
                  app: { targets: [ { url: "${UP}" } ] }
                routes:
                  - id: api
                    match: { path_prefix: / }
                    upstream: app
                    policies:
                """ + policies.indent(6);
    }

    private static List<Integer> statuses(List<HttpResponse<String>> responses) {
        return responses.stream().map(HttpResponse::statusCode).toList();
    }

    private static List<HttpResponse<String>> sendAll(GatewayHarness gw, int n, String header) throws Exception {
        final List<HttpResponse<String>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final var request = gw.request("/x");
            if (header != null) {
                request.header("X-Key", header);
            }
            out.add(gw.send(request.build()));
        }
        return out;
    }

    @Test
    void tokenBucket_burstExhausted_rejects429WithHeadersAndNeverReachesUpstream() throws Exception {
        try (GatewayHarness gw = gateway("- rate_limit: { name: per-ip, algorithm: token_bucket, rate: 1/m,"
                + " burst: 3, key: client_ip }")) {
            final List<HttpResponse<String>> responses = sendAll(gw, 5, null);

            assertThat(statuses(responses)).containsExactly(200, 200, 200, 429, 429);
            assertThat(upstream.requests()).isEqualTo(3);
            final HttpResponse<String> rejected = responses.get(3);
            assertThat(rejected.body()).contains("\"status\":429", "\"code\":\"rate_limited\"", "rate limit exceeded");
            assertThat(rejected.headers().firstValue("retry-after")).isPresent();
            assertThat(Long.parseLong(rejected.headers().firstValue("retry-after").orElseThrow())).isBetween(1L, 60L);
            assertThat(rejected.headers().firstValue("ratelimit-policy")).hasValue("\"per-ip\";q=3;w=60");
            assertThat(rejected.headers().firstValue("ratelimit")).hasValueSatisfying(v ->
                    assertThat(v).startsWith("\"per-ip\";r=0;t="));
            assertThat(responses.get(0).headers().firstValue("ratelimit")).isEmpty();
        }
    }

    @Test
    void headersOnSuccess_admittedResponsesCarryRemainingQuota() throws Exception {
        try (GatewayHarness gw = gateway("- rate_limit: { name: q, algorithm: fixed_window, rate: 10/m,"
                + " headers: all, headers_on_success: true }")) {
            final HttpResponse<String> first = gw.get("/x");

            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.headers().firstValue("ratelimit")).hasValueSatisfying(v ->
                    assertThat(v).startsWith("\"q\";r=9;t="));
            assertThat(first.headers().firstValue("x-ratelimit-limit")).hasValue("10");
            assertThat(first.headers().firstValue("x-ratelimit-remaining")).hasValue("9");
            assertThat(first.headers().firstValue("ratelimit-remaining")).hasValue("9");
        }
    }

    @Test
    void headerKey_differentValues_haveSeparateBuckets() throws Exception {
        try (GatewayHarness gw = gateway("- rate_limit: { algorithm: fixed_window, rate: 2/m, key: \"header:X-Key\" }")) {
            assertThat(statuses(sendAll(gw, 3, "alice"))).containsExactly(200, 200, 429);
            assertThat(statuses(sendAll(gw, 2, "bob"))).containsExactly(200, 200);
        }
    }

    @Test
    void shadow_limitExceeded_admitsEverythingAndCountsWouldBeRejections() throws Exception {
        try (GatewayHarness gw = gateway("- rate_limit: { algorithm: fixed_window, rate: 2/m, shadow: true }")) {
            assertThat(statuses(sendAll(gw, 5, null))).containsExactly(200, 200, 200, 200, 200);
            assertThat(upstream.requests()).isEqualTo(5);
            assertThat(decisions(gw, "fixed_window", "admitted")).isEqualTo(2);
            assertThat(decisions(gw, "fixed_window", "shadow_rejected")).isEqualTo(3);
            assertThat(decisions(gw, "fixed_window", "rejected")).isZero();
        }
    }

    @Test
    void decisions_areCountedPerRouteAndPolicy_andSurviveAReload() throws Exception {
        final String policy = "- rate_limit: { name: per-min, algorithm: fixed_window, rate: 3/m }";
        try (GatewayHarness gw = gateway(policy)) {
            sendAll(gw, 5, null);
            assertThat(decisions(gw, "per-min", "admitted")).isEqualTo(3);
            assertThat(decisions(gw, "per-min", "rejected")).isEqualTo(2);
            assertThat(gw.gateway().metrics().scrape()).contains(
                    "sluice_ratelimit_decisions_total{decision=\"rejected\",policy=\"per-min\",route=\"api\"} 2.0");
            assertThat(gw.reload(config("- rate_limit: { name: per-min, algorithm: fixed_window, rate: 3/m,"
                    + " message: slow down }"))).isEmpty();
            sendAll(gw, 1, null);
            assertThat(decisions(gw, "per-min", "rejected")).isEqualTo(3);
        }
    }

    private static double decisions(GatewayHarness gw, String policy, String decision) {
        return gw.gateway().metrics().count(GatewayMetrics.RATE_LIMIT_DECISIONS, "route", "api", "policy", policy,
                "decision", decision);
    }

    @Test
    void stackedLimits_tighterOneDecides() throws Exception {
        try (GatewayHarness gw = gateway("""
                - rate_limit: { name: second, algorithm: token_bucket, rate: 100/s }
                - rate_limit: { name: minute, algorithm: sliding_log, rate: 2/m }
                """)) {
            final List<HttpResponse<String>> responses = sendAll(gw, 3, null);

            assertThat(statuses(responses)).containsExactly(200, 200, 429);
            assertThat(responses.get(2).headers().firstValue("ratelimit-policy")).hasValue("\"minute\";q=2;w=60");
        }
    }

    @Test
    void leakyBucket_burst_excessIsDelayedNotRejected() throws Exception {
        // rate 5/s, burst 2: the second and third requests wait 200 ms and 400 ms (nginx limit_req semantics).
        try (GatewayHarness gw = gateway("- rate_limit: { algorithm: leaky_bucket, rate: 5/s, burst: 2 }")) {
            final long start = System.nanoTime();
            final List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                inFlight.add(gw.client().sendAsync(gw.request("/x").build(), HttpResponse.BodyHandlers.ofString()));
            }
            final List<Integer> codes = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> f : inFlight) {
                codes.add(f.get(10, TimeUnit.SECONDS).statusCode());
            }
            final long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(codes).containsExactlyInAnyOrder(200, 200, 200, 429);
            // A lower bound only: the delayed requests cannot have been forwarded before the leak allowed them.
            assertThat(elapsedMillis).isGreaterThanOrEqualTo(350);
        }
    }

    @Test
    void concurrency_limitOne_secondConcurrentRequestRejectedAndSlotReleasedAfterwards() throws Exception {
        upstream.respondWith(r -> r.uri().contains("slow") ? TestUpstream.Behavior.respond(200, "slow").delayed(800)
                : TestUpstream.Behavior.respond(200, "fast"));
        try (GatewayHarness gw = gateway("- rate_limit: { algorithm: concurrency, limit: 1 }")) {
            final CompletableFuture<HttpResponse<String>> slow = gw.client().sendAsync(gw.request("/slow").build(),
                    HttpResponse.BodyHandlers.ofString());
            org.awaitility.Awaitility.await().until(() -> upstream.requests() == 1);

            assertThat(gw.get("/fast").statusCode()).isEqualTo(429);
            assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(gw.get("/fast").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void reload_unchangedLimitParameters_keepBuckets_changedRate_startsFresh() throws Exception {
        final String route = """
                upstreams:
                  app: { targets: [ { url: "${UP}" } ] }
                routes:
                  - id: api
                    match: { path_prefix: / }
                    upstream: app
                    policies:
                      - rate_limit: { algorithm: fixed_window, rate: %s, message: "%s" }
                """;
        try (GatewayHarness gw = GatewayHarness.start(route.formatted("2/m", "first"), Map.of("UP", upstream.url()))) {
            assertThat(statuses(sendAll(gw, 3, null))).containsExactly(200, 200, 429);

            assertThat(gw.reload(route.formatted("2/m", "second"))).isEmpty();
            final HttpResponse<String> stillLimited = gw.get("/x");
            assertThat(stillLimited.statusCode()).isEqualTo(429);
            assertThat(stillLimited.body()).contains("second");

            assertThat(gw.reload(route.formatted("3/m", "third"))).isEmpty();
            assertThat(statuses(sendAll(gw, 4, null))).containsExactly(200, 200, 200, 429);
        }
    }

    @Test
    void staticRoute_isRateLimitedToo() throws Exception {
        try (GatewayHarness gw = GatewayHarness.start("""
                routes:
                  - id: mock
                    match: { path: /mock }
                    static_response: { status: 200, body: hi }
                    policies:
                      - rate_limit: { algorithm: fixed_window, rate: 1/m }
                """, Map.of())) {
            assertThat(gw.get("/mock").statusCode()).isEqualTo(200);
            assertThat(gw.get("/mock").statusCode()).isEqualTo(429);
        }
    }
}
