package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawUpstream;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Action;
import dev.sluice.testing.TestUpstream.Behavior;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** HTTP/1.x protocol details through the proxy (RFC 9110, RFC 9112), spoken over raw sockets. */
class ProtocolIntegrationTest {
    private static final String CONFIG = """
            upstreams:
              u: { targets: [ { url: "${UP}" } ] }
            routes:
              - { id: all, match: { path_prefix: / }, upstream: u, max_body_size: 1kb }
            """;
    private static final String CHUNKED_HELLO = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";

    @Test
    void expectContinue_acceptableBody_sends100ThenFinalResponse() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
                RawClient c = RawClient.connect(gw.port())) {
            up.respondWith(r -> Behavior.of(Action.DIGEST));
            c.send("POST /x HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            assertThat(c.read(false).status()).isEqualTo(100);
            c.send("hello");
            final RawClient.Response r = c.read(false);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"bytes\":5,\"crc\":" + crc("hello") + "}");
            assertThat(up.lastRequest().headers()).doesNotContainKey("expect");
        }
    }

    @Test
    void expectContinue_bodyTooLarge_answers413Without100() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
                RawClient c = RawClient.connect(gw.port())) {
            c.send("POST /x HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n");
            final RawClient.Response r = c.read(false);
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).contains("\"code\":\"body_too_large\"");
            assertThat(up.requests()).isZero();
        }
    }

    @Test
    void head_proxied_noBodyAndContentLengthPreserved() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
                RawClient c = RawClient.connect(gw.port())) {
            up.respondWith(r -> Behavior.respond(200, "hello"));
            c.send("HEAD /x HTTP/1.1\r\nHost: test\r\n\r\n");
            final RawClient.Response head = c.read(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo("5");
            // A body leaked after the HEAD response would be parsed as the next status line.
            assertThat(c.get("/y").body()).isEqualTo("hello");
        }
    }

    @Test
    void http10_withoutKeepAlive_closesAfterResponse() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
                RawClient c = RawClient.connect(gw.port())) {
            c.send("GET /x HTTP/1.0\r\n\r\n");
            assertThat(c.read(false).status()).isEqualTo(200);
            assertThat(c.isClosedByServer()).isTrue();
        }
    }

    @Test
    void http10_withKeepAlive_keepsConnectionOpen() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
                RawClient c = RawClient.connect(gw.port())) {
            c.send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            final RawClient.Response first = c.read(false);
            assertThat(first.header("connection")).isEqualToIgnoringCase("keep-alive");
            c.send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertThat(c.read(false).body()).isEqualTo("a");
        }
    }

    @Test
    void http10_upstreamStreamsWithoutLength_closeDelimitedBody() throws Exception {
        try (RawUpstream up = RawUpstream.start(CHUNKED_HELLO);
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
                RawClient c = RawClient.connect(gw.port())) {
            c.send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            final RawClient.Response r = c.read(false);
            assertThat(r.headers()).doesNotContainKeys("transfer-encoding", "content-length");
            assertThat(r.body()).isEqualTo("hello world");
            assertThat(c.isClosedByServer()).isTrue();
        }
    }

    @Test
    void pipelining_threeRequestsDifferentDelays_answeredInRequestOrder() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
                RawClient c = RawClient.connect(gw.port())) {
            up.respondWith(r -> Behavior.respond(200, r.uri()).delayed(r.uri().equals("/slow") ? 300
                    : r.uri().equals("/mid") ? 100 : 0));
            c.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /mid HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(c.read(false).body()).isEqualTo("/slow");
            assertThat(c.read(false).body()).isEqualTo("/mid");
            assertThat(c.read(false).body()).isEqualTo("/fast");
        }
    }

    @Test
    void chunkedRequest_body_forwardedIntact() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
                RawClient c = RawClient.connect(gw.port())) {
            up.respondWith(r -> Behavior.of(Action.DIGEST));
            c.send("POST /x HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            final RawClient.Response r = c.read(false);
            assertThat(r.body()).isEqualTo("{\"bytes\":11,\"crc\":" + crc("hello world") + "}");
            assertThat(up.lastRequest().header("transfer-encoding")).isEqualTo("chunked");
        }
    }

    @Test
    void chunkedResponse_relayedChunked() throws Exception {
        try (RawUpstream up = RawUpstream.start(CHUNKED_HELLO);
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
                RawClient c = RawClient.connect(gw.port())) {
            final RawClient.Response r = c.get("/x");
            assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(r.body()).isEqualTo("hello world");
        }
    }

    @Test
    void noContent204_relayed_connectionStaysUsable() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
                RawClient c = RawClient.connect(gw.port())) {
            up.respondWith(r -> r.uri().equals("/none") ? Behavior.respond(204, "") : Behavior.respond(200, "a"));
            final RawClient.Response r = c.get("/none");
            assertThat(r.status()).isEqualTo(204);
            assertThat(r.headers()).doesNotContainKey("transfer-encoding");
            assertThat(c.get("/x").body()).isEqualTo("a");
        }
    }

    @Test
    void notModified304_relayed_connectionStaysUsable() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
                RawClient c = RawClient.connect(gw.port())) {
            up.respondWith(r -> r.uri().equals("/cached") ? Behavior.respond(304, "") : Behavior.respond(200, "a"));
            final RawClient.Response r = c.get("/cached", "If-None-Match: \"v1\"");
            assertThat(r.status()).isEqualTo(304);
            assertThat(r.headers()).doesNotContainKey("transfer-encoding");
            assertThat(c.get("/x").body()).isEqualTo("a");
        }
    }

    private static long crc(String s) {
        final CRC32 crc = new CRC32();
        crc.update(s.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }
}
