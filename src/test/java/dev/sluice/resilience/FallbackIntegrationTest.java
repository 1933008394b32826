package dev.sluice.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.observability.GatewayMetrics;
import dev.sluice.testing.AccessLogCapture;
import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Action;
import dev.sluice.testing.TestUpstream.Behavior;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Route fallbacks against real upstreams that refuse, reset, hang, are unhealthy or answer 503: a static response or a
 * backup upstream answers instead, the access log says why, and a request body that cannot be sent again is never
 * sent to the backup.
 */
class FallbackIntegrationTest {
    /** Route r on upstream u with a fallback; {@code %s}: u's extras, the fallback, the route's extras. */
    private static final String CONFIG = """
            upstreams:
              u:
                targets: [ { url: "${UP}" } ]
                %s
              backup:
                targets: [ { url: "${BACKUP}" } ]
            routes:
              - id: r
                match: { path_prefix: / }
                upstream: u
                timeouts: { per_try: 300ms }
                fallback: %s
                %s
            """;
    private static final String STATIC = "{ static_response: { status: 200, body: \"fallback\" } }";
    private static final String BACKUP = "{ upstream: backup }";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private TestUpstream up;
    private TestUpstream backup;
    private AccessLogCapture log;

    @BeforeEach
    void start() throws Exception {
        up = TestUpstream.start("up");
        backup = TestUpstream.start("backup");
        log = AccessLogCapture.open();
    }

    @AfterEach
    void stop() {
        log.close();
        up.close();
        backup.close();
    }

    @Test
    void staticFallback_connectionRefused_answersFallback() throws Exception {
        try (GatewayHarness gw = gateway(closedPortUrl(), "", STATIC, "")) {
            assertFallback(gw.get("/x"), "upstream_connect_failed");
        }
    }

    @Test
    void staticFallback_upstreamResets_answersFallback() throws Exception {
        up.respondWith(r -> Behavior.of(Action.RESET));
        try (GatewayHarness gw = gateway(up.url(), "", STATIC, "")) {
            assertFallback(gw.get("/x"), "upstream_reset");
            assertThat(up.requests()).isEqualTo(1);
        }
    }

    @Test
    void staticFallback_upstreamHangsPastPerTryTimeout_answersFallback() throws Exception {
        up.respondWith(r -> Behavior.of(Action.HANG));
        try (GatewayHarness gw = gateway(up.url(), "", STATIC, "")) {
            assertFallback(gw.get("/x"), "upstream_timeout");
            assertThat(up.requests()).isEqualTo(1);
        }
    }

    @Test
    void staticFallback_noHealthyEndpoint_answersFallbackWithoutTouchingUpstream() throws Exception {
        up.respondWith(r -> r.uri().equals("/health") ? Behavior.respond(503, "sick") : Behavior.respond(200, "up"));
        try (GatewayHarness gw = gateway(up.url(), """
                health_check: { active: { path: /health, interval: 50ms, timeout: 200ms, unhealthy_threshold: 1 } }""",
                STATIC, "")) {
            await().atMost(WAIT).until(() -> gw.eligibleEndpoints("u").isEmpty());
            assertFallback(gw.get("/x"), "no_healthy_endpoint");
            assertThat(up.received()).extracting(TestUpstream.Received::uri).containsOnly("/health");
        }
    }

    @Test
    void staticFallback_upstreamStatusInOnStatus_replaced() throws Exception {
        up.respondWith(r -> Behavior.respond(503, "overloaded"));
        try (GatewayHarness gw = gateway(up.url(), "",
                "{ static_response: { status: 200, body: \"fallback\" }, on_status: [503] }", "")) {
            assertFallback(gw.get("/x"), "status_503");
            assertThat(up.requests()).isEqualTo(1);
        }
    }

    @Test
    void staticFallback_upstreamStatusNotInOnStatus_relayed() throws Exception {
        up.respondWith(r -> Behavior.respond(500, "broken"));
        try (GatewayHarness gw = gateway(up.url(), "",
                "{ static_response: { status: 200, body: \"fallback\" }, on_status: [503] }", "")) {
            final HttpResponse<String> r = gw.get("/x");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).isEqualTo("broken");
            assertThat(onlyLogLine()).contains("\"status\":500").doesNotContain("\"fallback\"");
        }
    }

    @Test
    void upstreamFallback_connectionRefused_servedByBackup() throws Exception {
        try (GatewayHarness gw = gateway(closedPortUrl(), "", BACKUP, "")) {
            final HttpResponse<String> r = gw.get("/x");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("backup");
            // Two attempts, but no retry: the backup's attempt is a call of its own.
            assertThat(onlyLogLine()).contains("\"fallback\":\"upstream_connect_failed\"", "\"upstream\":\"backup\"",
                    "\"endpoint\":\"127.0.0.1:" + backup.port() + "\"", "\"attempts\":2,\"retries\":0");
        }
    }

    @Test
    void upstreamFallback_afterRetriesRunOut_servedByBackup() throws Exception {
        up.respondWith(r -> Behavior.of(Action.RESET));
        try (GatewayHarness gw = gateway(up.url(), "", BACKUP, "retry: { attempts: 2, backoff: { base: 1ms } }")) {
            final HttpResponse<String> r = gw.get("/x");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("backup");
            assertThat(up.requests()).isEqualTo(2);
            assertThat(onlyLogLine()).contains("\"fallback\":\"upstream_reset\"", "\"attempts\":3,\"retries\":1");
            assertThat(gw.gateway().metrics().count(GatewayMetrics.RETRIES, "route", "r", "upstream", "u"))
                    .isEqualTo(1);
        }
    }

    @Test
    void upstreamFallback_upstreamStatusInOnStatus_servedByBackup() throws Exception {
        up.respondWith(r -> Behavior.respond(503, "overloaded"));
        try (GatewayHarness gw = gateway(up.url(), "", "{ upstream: backup, on_status: [503] }", "")) {
            final HttpResponse<String> r = gw.get("/x");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("backup");
            assertThat(up.requests()).isEqualTo(1);
            assertThat(backup.lastRequest().uri()).isEqualTo("/x");
            assertThat(onlyLogLine()).contains("\"fallback\":\"status_503\"", "\"upstream\":\"backup\"");
        }
    }

    @Test
    void upstreamFallback_postRefusedBeforeBodyWasSent_bodyGoesToBackup() throws Exception {
        backup.respondWith(r -> Behavior.of(Action.DIGEST));
        try (GatewayHarness gw = gateway(closedPortUrl(), "", BACKUP, "")) {
            final HttpResponse<String> r = gw.send(gw.request("/x")
                    .POST(HttpRequest.BodyPublishers.ofString("z".repeat(4096))).build());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"bytes\":4096");
        }
    }

    @Test
    void upstreamFallback_postBodyKeptForReplay_resentToBackup() throws Exception {
        up.respondWith(r -> Behavior.of(Action.HANG)); // reads the whole body, never answers
        backup.respondWith(r -> Behavior.of(Action.DIGEST));
        final String body = "z".repeat(4096);
        // A POST that reached the primary may go to the backup only where the route accepts sending it twice.
        try (GatewayHarness gw = gateway(up.url(), "", BACKUP,
                "retry: { attempts: 2, buffer: 8kb, non_idempotent: true }")) {
            final HttpResponse<String> r = gw.send(gw.request("/x")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(digestOf(body));
            assertThat(up.requests()).isEqualTo(1);
            assertThat(onlyLogLine()).contains("\"fallback\":\"upstream_timeout\"", "\"upstream\":\"backup\"");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no retry policy: nothing is kept for replay   |",
        "4 KiB body, 1 KiB retry buffer                | retry: { attempts: 2, buffer: 1kb, non_idempotent: true }",
        "replayable, but a POST without non_idempotent | retry: { attempts: 2, buffer: 8kb }"})
    void upstreamFallback_postThatReachedThePrimaryAndMayNotBeResent_clientGetsTheErrorAndBackupNothing(String why,
            String retry) throws Exception {
        up.respondWith(r -> Behavior.of(Action.HANG));
        try (GatewayHarness gw = gateway(up.url(), "", BACKUP, retry == null ? "" : retry)) {
            final HttpResponse<String> r = gw.send(gw.request("/x")
                    .POST(HttpRequest.BodyPublishers.ofString("z".repeat(4096))).build());
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(r.body()).contains("\"code\":\"upstream_timeout\"");
            assertThat(up.requests()).isEqualTo(1);
            assertThat(backup.requests()).isZero();
            assertThat(onlyLogLine()).contains("\"error\":\"upstream_timeout\"").doesNotContain("\"fallback\"");
        }
    }

    // ------------------------------------------------------------------ helpers

    private GatewayHarness gateway(String upUrl, String upstreamExtra, String fallback, String routeExtra)
            throws Exception {
        return GatewayHarness.start(CONFIG.formatted(upstreamExtra, fallback, routeExtra),
                Map.of("UP", upUrl, "BACKUP", backup.url()));
    }

    /** The static fallback answered, and the access log says why. */
    private void assertFallback(HttpResponse<String> r, String reason) {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("fallback");
        assertThat(onlyLogLine()).contains("\"status\":200", "\"fallback\":\"" + reason + "\"")
                .doesNotContain("\"error\"");
        assertThat(backup.requests()).isZero();
    }

    /** The access log line of the one request the test sent. */
    private String onlyLogLine() {
        await().atMost(WAIT).until(() -> !log.lines().isEmpty());
        final List<String> lines = log.lines();
        assertThat(lines).hasSize(1);
        return lines.get(0);
    }

    /** What a DIGEST upstream answers when it received {@code body} intact. */
    private static String digestOf(String body) {
        final CRC32 crc = new CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return "{\"bytes\":" + body.length() + ",\"crc\":" + crc.getValue() + "}";
    }

    private static String closedPortUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }
}
