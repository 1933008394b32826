package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawUpstream;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Action;
import dev.sluice.testing.TestUpstream.Behavior;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Errors the gateway answers itself when an upstream fails: status, stable code and JSON body. */
class ProxyErrorIntegrationTest {
    private static final String CONFIG = """
            upstreams:
              u: { targets: [ { url: "${UP}" } ], timeouts: { connect: 2s } }
            routes:
              - { id: all, match: { path_prefix: / }, upstream: u, timeouts: { per_try: 300ms } }
            """;

    @Test
    void proxy_targetPortClosed_answers502ConnectFailed() throws Exception {
        try (GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", "http://127.0.0.1:" + closedPort()))) {
            final HttpResponse<String> r = gw.get("/x");
            assertThat(r.statusCode()).isEqualTo(502);
            assertErrorBody(r, 502, "upstream_connect_failed");
        }
    }

    @Test
    void proxy_targetPortClosedWithQueuedRequests_everyRequestGets502() throws Exception {
        final String config = """
                server: { listen: 127.0.0.1:0, workers: 1 }
                upstreams:
                  u: { targets: [ { url: "${UP}" } ], pool: { max_connections: 1, max_pending: 10 } }
                routes:
                  - { id: all, match: { path_prefix: / }, upstream: u }
                """;
        try (GatewayHarness gw = GatewayHarness.start(config, Map.of("UP", "http://127.0.0.1:" + closedPort()));
                RawClient first = RawClient.connect(gw.port());
                RawClient second = RawClient.connect(gw.port())) {
            first.send("GET /a HTTP/1.1\r\nHost: test\r\n\r\n");
            second.send("GET /b HTTP/1.1\r\nHost: test\r\n\r\n");
            assertThat(first.read(false).status()).isEqualTo(502);
            assertThat(second.read(false).status()).isEqualTo(502);
        }
    }

    @Test
    void proxy_upstreamResetsBeforeResponse_answers502Reset() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()))) {
            up.respondWith(r -> Behavior.of(Action.RESET));
            final HttpResponse<String> r = gw.get("/x");
            assertThat(r.statusCode()).isEqualTo(502);
            assertErrorBody(r, 502, "upstream_reset");
        }
    }

    @Test
    void proxy_upstreamClosesBeforeResponse_answers502Reset() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()))) {
            up.respondWith(r -> Behavior.of(Action.CLOSE));
            final HttpResponse<String> r = gw.get("/x");
            assertThat(r.statusCode()).isEqualTo(502);
            assertErrorBody(r, 502, "upstream_reset");
        }
    }

    @Test
    void proxy_upstreamHangs_answers504Timeout() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()))) {
            up.respondWith(r -> Behavior.of(Action.HANG));
            final HttpResponse<String> r = gw.get("/x");
            assertThat(r.statusCode()).isEqualTo(504);
            assertErrorBody(r, 504, "upstream_timeout");
        }
    }

    @Test
    void proxy_upstreamTimedOut_connectionClosedNotPooled() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()))) {
            final AtomicInteger n = new AtomicInteger();
            up.respondWith(r -> n.getAndIncrement() == 0 ? Behavior.of(Action.HANG) : Behavior.respond(200, "ok"));
            try (RawClient c = RawClient.connect(gw.port())) {
                assertThat(c.get("/first").status()).isEqualTo(504);
                await().atMost(Duration.ofSeconds(5)).until(() -> up.openConnections() == 0);
                final RawClient.Response second = c.get("/second");
                assertThat(second.status()).isEqualTo(200);
                assertThat(up.connections()).isEqualTo(2);
            }
        }
    }

    @Test
    void proxy_upstreamClosesMidBody_clientSeesTruncatedResponseAndClose() throws Exception {
        try (RawUpstream up = RawUpstream.start("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
                RawClient c = RawClient.connect(gw.port())) {
            final RawClient.Response r = c.get("/x");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.complete()).isFalse();
            assertThat(r.body()).isEqualTo("hello");
        }
    }

    @Test
    void proxy_upstreamClosesMidChunkedBody_clientSeesClosedConnection() throws Exception {
        try (RawUpstream up = RawUpstream.start("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
                RawClient c = RawClient.connect(gw.port())) {
            c.send("GET /x HTTP/1.1\r\nHost: test\r\n\r\n");
            // The chunked body must end with the connection (no terminating chunk), not with a read timeout.
            assertThatThrownBy(() -> c.read(false))
                    .isInstanceOf(IOException.class)
                    .isNotInstanceOf(SocketTimeoutException.class)
                    .hasMessageContaining("closed inside a chunked body");
        }
    }

    private static void assertErrorBody(HttpResponse<String> r, int status, String code) {
        final String id = r.headers().firstValue("x-request-id").orElseThrow();
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.body())
                .startsWith("{\"error\":{")
                .contains("\"status\":" + status)
                .contains("\"code\":\"" + code + "\"")
                .containsPattern("\"message\":\"[^\"]+\"")
                .contains("\"request_id\":\"" + id + "\"");
    }

    /** A port that was free a moment ago and has no listener now. */
    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
