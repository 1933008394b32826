package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.observability.GatewayMetrics;
import dev.sluice.testing.AccessLogCapture;
import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawUpstream;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Action;
import dev.sluice.testing.TestUpstream.Behavior;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retries against real upstreams that refuse, reset, fail with 5xx or hang: which failures are retried, on which
 * endpoint, with which methods and bodies, within which timeouts, and how the retry budget caps them.
 */
class RetryIntegrationTest {
    /** Round robin over two targets, so a retry that prefers a new endpoint lands on the other one. */
    private static final String CONFIG = """
            upstreams:
              u:
                targets: [ { url: "${A}" }, { url: "${B}" } ]
                %s
            routes:
              - id: r
                match: { path_prefix: / }
                upstream: u
                %s
            """;

    private TestUpstream a;
    private TestUpstream b;

    @BeforeEach
    void startUpstreams() throws Exception {
        a = TestUpstream.start("a");
        b = TestUpstream.start("b");
    }

    @AfterEach
    void stopUpstreams() {
        a.close();
        b.close();
    }

    private GatewayHarness gateway(String upstreamExtra, String routeExtra) throws Exception {
        return GatewayHarness.start(CONFIG.formatted(upstreamExtra, routeExtra), Map.of("A", a.url(), "B", b.url()));
    }

    @Test
    void get_firstEndpointAnswers503_retriedOnTheOtherEndpoint() throws Exception {
        a.respondWith(r -> Behavior.respond(503, "a down"));
        b.respondWith(r -> Behavior.respond(503, "b down"));
        try (GatewayHarness gw = gateway("", "retry: { attempts: 2 }")) {
            for (int i = 0; i < 10; i++) {
                final HttpResponse<String> r = gw.get("/x");
                // Both fail, so every request tries both endpoints once: never the same one twice.
                assertThat(r.statusCode()).isEqualTo(503);
            }
            assertThat(a.requests()).isEqualTo(10);
            assertThat(b.requests()).isEqualTo(10);
        }
    }

    @Test
    void get_oneEndpointFails_everyRequestSucceedsOnTheOther() throws Exception {
        a.respondWith(r -> Behavior.respond(502, "a broken"));
        try (GatewayHarness gw = gateway("", "retry: { attempts: 2 }");
             AccessLogCapture log = AccessLogCapture.open()) {
            for (int i = 0; i < 20; i++) {
                final HttpResponse<String> r = gw.get("/x");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("b");
            }
            assertThat(b.requests()).isEqualTo(20);
            final double retries = gw.gateway().metrics().count(GatewayMetrics.RETRIES, "route", "r", "upstream", "u");
            assertThat(retries).isEqualTo(a.requests());
            await().atMost(Duration.ofSeconds(5)).until(() -> log.lines().size() >= 20);
            assertThat(log.lines()).filteredOn(l -> l.contains("\"attempts\":2,\"retries\":1"))
                    .hasSize(a.requests())
                    .allSatisfy(l -> assertThat(l).contains("\"endpoint\":\"127.0.0.1:" + b.port() + "\""));
        }
    }

    @Test
    void get_connectionRefused_retriedAndServed() throws Exception {
        final int closed = closedPort();
        try (GatewayHarness gw = GatewayHarness.start(CONFIG.formatted("", "retry: { attempts: 2 }"),
                Map.of("A", "http://127.0.0.1:" + closed, "B", b.url()))) {
            for (int i = 0; i < 10; i++) {
                assertThat(gw.get("/x").statusCode()).isEqualTo(200);
            }
            assertThat(b.requests()).isEqualTo(10);
        }
    }

    @Test
    void post_connectionRefused_retriedBecauseNothingWasSent() throws Exception {
        final int closed = closedPort();
        b.respondWith(r -> Behavior.of(Action.DIGEST));
        try (GatewayHarness gw = GatewayHarness.start(CONFIG.formatted("", "retry: { attempts: 2 }"),
                Map.of("A", "http://127.0.0.1:" + closed, "B", b.url()))) {
            for (int i = 0; i < 6; i++) {
                final HttpResponse<String> r = gw.send(gw.request("/x")
                        .POST(HttpRequest.BodyPublishers.ofString("order-" + i)).build());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("\"bytes\":" + ("order-" + i).length());
            }
        }
    }

    @Test
    void post_503_notRetriedWithoutOptIn() throws Exception {
        a.respondWith(r -> Behavior.respond(503, "a down"));
        b.respondWith(r -> Behavior.respond(503, "b down"));
        try (GatewayHarness gw = gateway("", "retry: { attempts: 3 }")) {
            for (int i = 0; i < 4; i++) {
                assertThat(gw.send(gw.request("/x").POST(HttpRequest.BodyPublishers.ofString("x")).build())
                        .statusCode()).isEqualTo(503);
            }
            assertThat(a.requests() + b.requests()).isEqualTo(4);
        }
    }

    @Test
    void post_503_retriedWithOptIn_bodyReplayed() throws Exception {
        a.respondWith(r -> Behavior.respond(503, "a down"));
        b.respondWith(r -> Behavior.of(Action.DIGEST));
        final String body = "x".repeat(20_000);
        try (GatewayHarness gw = gateway("", "retry: { attempts: 2, non_idempotent: true }")) {
            for (int i = 0; i < 4; i++) {
                final HttpResponse<String> r = gw.send(gw.request("/x")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("\"bytes\":20000");
            }
            assertThat(b.requests()).isEqualTo(4);
        }
    }

    @Test
    void put_bodyLargerThanRetryBuffer_notRetried() throws Exception {
        a.respondWith(r -> Behavior.respond(503, "a down"));
        b.respondWith(r -> Behavior.respond(503, "b down"));
        try (GatewayHarness gw = gateway("", "retry: { attempts: 2, buffer: 1kb }")) {
            final HttpResponse<String> r = gw.send(gw.request("/x")
                    .PUT(HttpRequest.BodyPublishers.ofString("y".repeat(4096))).build());
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(a.requests() + b.requests()).isEqualTo(1);
        }
    }

    @Test
    void get_resetBeforeResponse_retried() throws Exception {
        a.respondWith(r -> Behavior.of(Action.RESET));
        try (GatewayHarness gw = gateway("", "retry: { attempts: 2 }")) {
            for (int i = 0; i < 10; i++) {
                assertThat(gw.get("/x").statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void get_upstreamFailsMidBody_notRetriedAfterResponseStarted() throws Exception {
        final String truncated = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello";
        try (RawUpstream first = RawUpstream.start(truncated);
             RawUpstream second = RawUpstream.start(truncated);
             GatewayHarness gw = GatewayHarness.start(CONFIG.formatted("", "retry: { attempts: 2, on: [reset, 502] }"),
                     Map.of("A", first.url(), "B", second.url()));
             RawClient c = RawClient.connect(gw.port())) {
            final RawClient.Response r = c.get("/x");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.complete()).isFalse();
            assertThat(first.connections() + second.connections()).isEqualTo(1);
        }
    }

    @Test
    void get_perTryTimeout_retriedOnTheOtherEndpoint() throws Exception {
        a.respondWith(r -> Behavior.of(Action.HANG));
        try (GatewayHarness gw = gateway("", """
                timeouts: { per_try: 200ms }
                    retry: { attempts: 2, on: [timeout] }""")) {
            for (int i = 0; i < 4; i++) {
                final HttpResponse<String> r = gw.get("/x");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("b");
            }
        }
    }

    @Test
    void get_totalTimeout_endsRetriesWith504() throws Exception {
        a.respondWith(r -> Behavior.of(Action.HANG));
        b.respondWith(r -> Behavior.of(Action.HANG));
        try (GatewayHarness gw = gateway("", """
                timeouts: { per_try: 300ms, total: 500ms }
                    retry: { attempts: 5, on: [timeout], backoff: { base: 1ms, max: 1ms } }""")) {
            final long start = System.nanoTime();
            final HttpResponse<String> r = gw.get("/x");
            final long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(r.body()).contains("\"code\":\"upstream_timeout\"");
            // The second try was cut by the total timeout: two tries in all, not five.
            assertThat(a.requests() + b.requests()).isEqualTo(2);
            assertThat(tookMillis).isGreaterThanOrEqualTo(500);
        }
    }

    @Test
    void outage_retryBudgetCapsRetries() throws Exception {
        // Both endpoints hold every request 300 ms and then fail: 40 concurrent requests are all in flight at once
        // when their first tries fail, so retries are limited by the budget of 10% of active requests (4), not by
        // the 3 attempts each request may make.
        a.respondWith(r -> Behavior.respond(503, "down").delayed(300));
        b.respondWith(r -> Behavior.respond(503, "down").delayed(300));
        final int clients = 40;
        try (GatewayHarness gw = gateway("retry_budget: { percent: 10%, min_concurrency: 0 }",
                "retry: { attempts: 3, backoff: { base: 1ms, max: 1ms } }")) {
            final ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                final List<Future<Integer>> results = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    results.add(pool.submit(() -> gw.get("/x").statusCode()));
                }
                for (Future<Integer> f : results) {
                    assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(503);
                }
            } finally {
                pool.shutdownNow();
            }
            final int upstreamRequests = a.requests() + b.requests();
            final double retries = gw.gateway().metrics().count(GatewayMetrics.RETRIES, "route", "r", "upstream", "u");
            final double refused = gw.gateway().metrics().count(GatewayMetrics.RETRIES_BUDGET_EXHAUSTED, "route", "r",
                    "upstream", "u");
            // Without a budget this outage would cost 120 upstream requests. With it: the first tries, plus at most
            // 10% of the (at most 40) active requests as retries at any time, over the two rounds of retries.
            assertThat(upstreamRequests).isEqualTo(clients + (int) retries);
            assertThat(retries).isLessThanOrEqualTo(2 * 4);
            assertThat(refused).isGreaterThan(0);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
