package dev.sluice.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.observability.GatewayMetrics;
import dev.sluice.policy.breaker.BreakerSnapshot;
import dev.sluice.policy.breaker.BreakerState;
import dev.sluice.testing.AccessLogCapture;
import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Behavior;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Route and endpoint circuit breakers against real upstreams that fail on script: when they open, what answers while
 * they are open, how many trial calls get through when half-open, how they are reported, and what a reload keeps.
 */
class CircuitBreakerIntegrationTest {
    /** A route breaker over the last 10 calls that judges from the 5th call on; {@code %s}: open_for, route extras. */
    private static final String ROUTE_BREAKER = """
            upstreams:
              u:
                targets: [ { url: "${UP}" } ]
            routes:
              - id: r
                match: { path_prefix: / }
                upstream: u
                circuit_breaker: { window: 10, minimum_calls: 5, failure_rate: 50%%, open_for: %s, trial_calls: 2 }
                %s
            """;
    /** Round robin over three endpoints, each with its own breaker; no retries, so a failure reaches the client. */
    private static final String ENDPOINT_BREAKERS = """
            upstreams:
              u:
                targets: [ { url: "${A}" }, { url: "${B}" }, { url: "${C}" } ]
                circuit_breaker: { window: 10, minimum_calls: 5, failure_rate: 50%%, open_for: %s, trial_calls: 1 }
            routes:
              - id: r
                match: { path_prefix: / }
                upstream: u
                %s
            """;
    /** A route to append to a configuration, to tell that a reload took effect. */
    private static final String PROBE_ROUTE = """
              - id: probe
                match: { path: /probe }
                static_response: { status: 204 }
            """;
    private static final String ROUTE = "route/r";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private TestUpstream up;

    @BeforeEach
    void startUpstream() throws Exception {
        up = TestUpstream.start("up");
    }

    @AfterEach
    void stopUpstream() {
        up.close();
    }

    @Test
    void routeBreaker_sixtyPercentOfCallsFail_opensAtMinimumCallsAndAnswersWithoutUpstream() throws Exception {
        failInPattern(up, "F.F.F"); // 3 of every 5
        try (GatewayHarness gw = routeGateway("1m", "")) {
            final List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                statuses.add(gw.get("/x").statusCode());
            }
            // The 5th call is the first verdict (3 of 5 failed, 60% >= 50%); everything after it is the breaker's.
            assertThat(statuses).containsExactly(500, 200, 500, 200, 500, 503, 503, 503, 503, 503);
            assertThat(up.requests()).isEqualTo(5);
            final BreakerSnapshot figures = breaker(gw, ROUTE);
            assertThat(figures.state()).isEqualTo(BreakerState.OPEN);
            assertThat(figures.calls()).isEqualTo(5);
            assertThat(figures.failedCalls()).isEqualTo(3);
            assertThat(figures.failureRate()).isEqualTo(0.6);
            assertThat(transitions(gw, ROUTE, "closed", "open")).isEqualTo(1);
        }
    }

    @Test
    void routeBreaker_fortyPercentOfCallsFail_staysClosed() throws Exception {
        // Failures at positions 2 and 5 of each 5: no prefix of 5 or more calls, nor any 10 in a row, reaches 50%.
        failInPattern(up, ".F..F");
        try (GatewayHarness gw = routeGateway("1m", "")) {
            for (int i = 0; i < 30; i++) {
                assertThat(gw.get("/x").statusCode()).isIn(200, 500);
            }
            assertThat(up.requests()).isEqualTo(30);
            final BreakerSnapshot figures = breaker(gw, ROUTE);
            assertThat(figures.state()).isEqualTo(BreakerState.CLOSED);
            assertThat(figures.calls()).isEqualTo(10);
            assertThat(figures.failedCalls()).isEqualTo(4);
            assertThat(transitions(gw, ROUTE, "closed", "open")).isZero();
        }
    }

    @Test
    void openRouteBreaker_withStaticFallback_answersFallbackWithoutTouchingUpstream() throws Exception {
        up.respondWith(r -> Behavior.respond(500, "broken"));
        try (GatewayHarness gw = routeGateway("1m", """
                fallback: { static_response: { status: 200, body: "cached", headers: { X-Fallback: "yes" } } }""");
             AccessLogCapture log = AccessLogCapture.open()) {
            trip(gw);
            final int before = up.requests();
            for (int i = 0; i < 20; i++) {
                final HttpResponse<String> r = gw.get("/x");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("cached");
                assertThat(r.headers().firstValue("x-fallback")).hasValue("yes");
            }
            assertThat(up.requests()).isEqualTo(before);
            await().atMost(WAIT).until(() -> log.lines().size() >= 25);
            assertThat(log.lines()).filteredOn(l -> l.contains("\"fallback\":\"circuit_open\"")).hasSize(20)
                    .allSatisfy(l -> assertThat(l).contains("\"status\":200").doesNotContain("\"attempts\""));
        }
    }

    @Test
    void openRouteBreaker_withoutFallback_answers503CircuitOpenWithRetryAfter() throws Exception {
        up.respondWith(r -> Behavior.respond(500, "broken"));
        try (GatewayHarness gw = routeGateway("30s", "")) {
            trip(gw);
            final long leftBefore = breaker(gw, ROUTE).openRemainingNanos();
            final HttpResponse<String> r = gw.get("/x");
            final long leftAfter = breaker(gw, ROUTE).openRemainingNanos();
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("\"code\":\"circuit_open\"");
            // Whole seconds left of the open period, rounded up, as the breaker saw it while answering.
            assertThat(Long.parseLong(r.headers().firstValue("retry-after").orElseThrow()))
                    .isBetween(ceilSeconds(leftAfter), ceilSeconds(leftBefore));
            assertThat(up.requests()).isEqualTo(5);
        }
    }

    @Test
    void halfOpenRouteBreaker_trialCallsSucceed_exactlyTrialCallsReachUpstreamThenCloses() throws Exception {
        up.respondWith(r -> Behavior.respond(500, "broken"));
        try (GatewayHarness gw = routeGateway("200ms", "")) {
            trip(gw);
            final CompletableFuture<Void> release = new CompletableFuture<>();
            up.respondWith(r -> Behavior.respond(200, "recovered").heldUntil(release));
            final List<CompletableFuture<HttpResponse<String>>> burst = burstAfterOpenPeriod(gw, 12);

            release.complete(null);
            final List<HttpResponse<String>> trials = completed(burst).stream().filter(r -> r.statusCode() != 503)
                    .toList();
            assertThat(trials).hasSize(2).allSatisfy(r -> assertThat(r.body()).isEqualTo("recovered"));
            await().atMost(WAIT).until(() -> breaker(gw, ROUTE).state() == BreakerState.CLOSED);
            assertThat(gw.get("/x").body()).isEqualTo("recovered");
            assertThat(up.requests()).isEqualTo(5 + 2 + 1);
            assertThat(transitions(gw, ROUTE, "closed", "open")).isEqualTo(1);
            assertThat(transitions(gw, ROUTE, "open", "half_open")).isEqualTo(1);
            assertThat(transitions(gw, ROUTE, "half_open", "closed")).isEqualTo(1);
        }
    }

    @Test
    void halfOpenRouteBreaker_trialCallsFail_reopens() throws Exception {
        up.respondWith(r -> Behavior.respond(500, "broken"));
        try (GatewayHarness gw = routeGateway("200ms", "")) {
            trip(gw);
            final CompletableFuture<Void> release = new CompletableFuture<>();
            up.respondWith(r -> Behavior.respond(500, "still broken").heldUntil(release));
            final List<CompletableFuture<HttpResponse<String>>> burst = burstAfterOpenPeriod(gw, 12);

            release.complete(null);
            assertThat(completed(burst)).filteredOn(r -> r.statusCode() == 500).hasSize(2);
            final BreakerSnapshot figures = breaker(gw, ROUTE);
            assertThat(figures.state()).isEqualTo(BreakerState.OPEN);
            assertThat(figures.generation()).isEqualTo(3); // closed, open, half-open, open again
            // The first failed trial settles it (1 of 2 trials is 50%); the other's result belongs to a past phase.
            assertThat(figures.calls()).isEqualTo(1);
            assertThat(figures.failedCalls()).isEqualTo(1);
            final HttpResponse<String> after = gw.get("/x");
            assertThat(after.statusCode()).isEqualTo(503);
            assertThat(after.body()).contains("\"code\":\"circuit_open\"");
            assertThat(up.requests()).isEqualTo(5 + 2);
            assertThat(transitions(gw, ROUTE, "half_open", "open")).isEqualTo(1);
            assertThat(transitions(gw, ROUTE, "half_open", "closed")).isZero();
        }
    }

    @Test
    void endpointBreaker_oneOfThreeEndpointsFails_noTrafficReachesItWhileOpenThenTrialBringsItBack()
            throws Exception {
        try (TestUpstream a = TestUpstream.start("a");
             TestUpstream b = TestUpstream.start("b");
             TestUpstream c = TestUpstream.start("c");
             GatewayHarness gw = GatewayHarness.start(ENDPOINT_BREAKERS.formatted("1s", ""),
                     Map.of("A", a.url(), "B", b.url(), "C", c.url()))) {
            b.respondWith(r -> Behavior.respond(500, "b broken"));
            final String breakerB = "upstream/u/127.0.0.1:" + b.port();
            for (int i = 0; i < 30 && breaker(gw, breakerB).state() == BreakerState.CLOSED; i++) {
                gw.get("/x"); // without retries the clients see b's failures until its breaker opens
            }
            final BreakerSnapshot opened = breaker(gw, breakerB);
            assertThat(opened.state()).isEqualTo(BreakerState.OPEN);
            assertThat(b.requests()).isEqualTo(5);
            await().atMost(WAIT).until(() -> gw.eligibleEndpoints("u").size() == 2); // b left the balancer

            final int bBefore = b.requests();
            for (int i = 0; i < 30; i++) {
                final HttpResponse<String> r = gw.get("/x");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isIn("a", "c");
            }
            assertThat(b.requests()).isEqualTo(bBefore);
            // Still the same open generation: the batch ran entirely while the breaker was open.
            assertThat(breaker(gw, breakerB).generation()).isEqualTo(opened.generation());

            b.respondWith(r -> Behavior.respond(200, "b"));
            // The background timer moves it to half-open at the end of open_for, with no request asking.
            await().atMost(WAIT).until(() -> breaker(gw, breakerB).state() == BreakerState.HALF_OPEN);
            for (int i = 0; i < 30 && breaker(gw, breakerB).state() != BreakerState.CLOSED; i++) {
                assertThat(gw.get("/x").statusCode()).isEqualTo(200);
            }
            assertThat(breaker(gw, breakerB).state()).isEqualTo(BreakerState.CLOSED);
            assertThat(b.requests()).isEqualTo(bBefore + 1); // the one trial call

            final int bClosed = b.requests();
            for (int i = 0; i < 30; i++) {
                assertThat(gw.get("/x").statusCode()).isEqualTo(200);
            }
            // Its round-robin share again; ±1 because the balancer rebuilt after closing restarts at a random offset.
            assertThat(b.requests() - bClosed).isBetween(9, 11);
            assertThat(transitions(gw, breakerB, "closed", "open")).isEqualTo(1);
            assertThat(transitions(gw, breakerB, "open", "half_open")).isEqualTo(1);
            assertThat(transitions(gw, breakerB, "half_open", "closed")).isEqualTo(1);
            assertThat(breaker(gw, "upstream/u/127.0.0.1:" + a.port()).state()).isEqualTo(BreakerState.CLOSED);
        }
    }

    @Test
    void reload_routeBreakerSpecUnchanged_openBreakerStaysOpen() throws Exception {
        up.respondWith(r -> Behavior.respond(500, "broken"));
        try (GatewayHarness gw = routeGateway("1m", "")) {
            trip(gw);
            final long generation = breaker(gw, ROUTE).generation();
            assertThat(gw.reload(ROUTE_BREAKER.formatted("1m", "") + PROBE_ROUTE)).isEmpty();
            assertThat(gw.get("/probe").statusCode()).isEqualTo(204); // the new configuration is in force
            final HttpResponse<String> r = gw.get("/x");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("\"code\":\"circuit_open\"");
            assertThat(breaker(gw, ROUTE).state()).isEqualTo(BreakerState.OPEN);
            assertThat(breaker(gw, ROUTE).generation()).isEqualTo(generation);
            assertThat(up.requests()).isEqualTo(5);
        }
    }

    @Test
    void reload_routeBreakerSpecChanged_freshClosedBreaker() throws Exception {
        up.respondWith(r -> Behavior.respond(500, "broken"));
        try (GatewayHarness gw = routeGateway("1m", "")) {
            trip(gw);
            assertThat(gw.reload(ROUTE_BREAKER.formatted("2m", ""))).isEmpty();
            assertThat(breaker(gw, ROUTE).state()).isEqualTo(BreakerState.CLOSED);
            assertThat(breaker(gw, ROUTE).calls()).isZero();
            assertThat(gw.get("/x").statusCode()).isEqualTo(500);
            assertThat(up.requests()).isEqualTo(6);
        }
    }

    @Test
    void reload_endpointBreakerSpecUnchanged_endpointStaysOut() throws Exception {
        try (TestUpstream a = TestUpstream.start("a");
             GatewayHarness gw = endpointGatewayWithOpenBreaker(a)) {
            final String breakerUp = "upstream/u/127.0.0.1:" + up.port();
            final int upBefore = up.requests();
            assertThat(gw.reload(twoEndpoints("1m", "response_headers: { set: { X-V: \"2\" } }"))).isEmpty();
            for (int i = 0; i < 10; i++) {
                final HttpResponse<String> r = gw.get("/x");
                assertThat(r.headers().firstValue("x-v")).hasValue("2");
                assertThat(r.body()).isEqualTo("a");
            }
            assertThat(up.requests()).isEqualTo(upBefore);
            assertThat(breaker(gw, breakerUp).state()).isEqualTo(BreakerState.OPEN);
        }
    }

    @Test
    void reload_endpointBreakerSpecChanged_endpointTakesTrafficAtOnce() throws Exception {
        try (TestUpstream a = TestUpstream.start("a");
             GatewayHarness gw = endpointGatewayWithOpenBreaker(a)) {
            final String breakerUp = "upstream/u/127.0.0.1:" + up.port();
            up.respondWith(r -> Behavior.respond(200, "up"));
            final int upBefore = up.requests();
            assertThat(gw.reload(twoEndpoints("2m", ""))).isEmpty();
            assertThat(breaker(gw, breakerUp).state()).isEqualTo(BreakerState.CLOSED);
            for (int i = 0; i < 10; i++) {
                assertThat(gw.get("/x").statusCode()).isEqualTo(200);
            }
            assertThat(up.requests() - upBefore).isEqualTo(5);
        }
    }

    // ------------------------------------------------------------------ helpers

    private GatewayHarness routeGateway(String openFor, String routeExtra) throws Exception {
        return GatewayHarness.start(ROUTE_BREAKER.formatted(openFor, routeExtra), Map.of("UP", up.url()));
    }

    /** {@link #ENDPOINT_BREAKERS} over two endpoints: a and {@code up}. */
    private static String twoEndpoints(String openFor, String routeExtra) {
        return ENDPOINT_BREAKERS.formatted(openFor, routeExtra).replace(", { url: \"${C}\" }", "")
                .replace("${B}", "${UP}");
    }

    /** Endpoints a (healthy) and {@code up} (failing), with up's breaker opened by 5 failures. */
    private GatewayHarness endpointGatewayWithOpenBreaker(TestUpstream a) throws Exception {
        up.respondWith(r -> Behavior.respond(500, "broken"));
        final GatewayHarness gw = GatewayHarness.start(twoEndpoints("1m", ""), Map.of("A", a.url(), "UP", up.url()));
        try {
            final String name = "upstream/u/127.0.0.1:" + up.port();
            for (int i = 0; i < 20 && breaker(gw, name).state() == BreakerState.CLOSED; i++) {
                gw.get("/x");
            }
            assertThat(breaker(gw, name).state()).isEqualTo(BreakerState.OPEN);
            // Its endpoint left the balancer: no rebuild is pending that could land during what the test does next.
            await().atMost(WAIT).until(() -> gw.eligibleEndpoints("u").size() == 1);
            return gw;
        } catch (Exception | AssertionError e) {
            gw.close();
            throw e;
        }
    }

    /** Five failed calls: opens a route breaker of {@link #ROUTE_BREAKER} against an upstream failing everything. */
    private void trip(GatewayHarness gw) throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(gw.get("/x").statusCode()).isEqualTo(500);
        }
        assertThat(breaker(gw, ROUTE).state()).isEqualTo(BreakerState.OPEN);
    }

    /**
     * Waits out the open period of the route breaker, then sends {@code n} requests at once while the upstream holds
     * whatever reaches it; returns when each is either held at the upstream or answered. Asserts that exactly
     * {@code trial_calls} (2) reached the upstream and all others were answered 503 {@code circuit_open} by the
     * breaker, which is then half-open with both trial permits in use.
     */
    private List<CompletableFuture<HttpResponse<String>>> burstAfterOpenPeriod(GatewayHarness gw, int n) {
        final int before = up.requests();
        await().atMost(WAIT).until(() -> breaker(gw, ROUTE).openRemainingNanos() == 0);
        final List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            burst.add(gw.client().sendAsync(gw.request("/x").GET().build(), HttpResponse.BodyHandlers.ofString()));
        }
        // Every request ends up in one of two places; only then is the split meaningful.
        await().atMost(WAIT).until(() -> burst.stream().filter(CompletableFuture::isDone).count()
                + (up.requests() - before) == n);
        assertThat(up.requests() - before).isEqualTo(2);
        final List<HttpResponse<String>> answered = burst.stream().filter(CompletableFuture::isDone)
                .map(CompletableFuture::join).toList();
        assertThat(answered).hasSize(n - 2).allSatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("\"code\":\"circuit_open\"");
        });
        final BreakerSnapshot figures = breaker(gw, ROUTE);
        assertThat(figures.state()).isEqualTo(BreakerState.HALF_OPEN);
        assertThat(figures.trialPermitsInUse()).isEqualTo(2);
        return burst;
    }

    private static List<HttpResponse<String>> completed(List<CompletableFuture<HttpResponse<String>>> burst)
            throws Exception {
        final List<HttpResponse<String>> all = new ArrayList<>();
        for (final CompletableFuture<HttpResponse<String>> f : burst) {
            all.add(f.get(10, TimeUnit.SECONDS));
        }
        return all;
    }

    /** Answers 500 where {@code pattern} has 'F' and 200 elsewhere, cycling through it request by request. */
    private static void failInPattern(TestUpstream upstream, String pattern) {
        final AtomicInteger n = new AtomicInteger();
        upstream.respondWith(r -> pattern.charAt(n.getAndIncrement() % pattern.length()) == 'F'
                ? Behavior.respond(500, "failed") : Behavior.respond(200, "ok"));
    }

    static BreakerSnapshot breaker(GatewayHarness gw, String name) {
        return gw.gateway().breakers().stream().filter(v -> v.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no breaker " + name + " in " + gw.gateway().breakers()))
                .figures();
    }

    private static double transitions(GatewayHarness gw, String breaker, String from, String to) {
        return gw.gateway().metrics().count(GatewayMetrics.BREAKER_TRANSITIONS, "breaker", breaker, "from", from,
                "to", to);
    }

    private static long ceilSeconds(long nanos) {
        return Math.max(1, (nanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
    }
}
