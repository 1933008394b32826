package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Behavior;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Header handling on both hops (RFC 9110 §7.6): hop-by-hop fields, Via, X-Forwarded-*, Host and the routes' header
 * rules. Requests go through a raw socket, because the JDK client refuses to send Host, Connection and friends.
 */
class HeaderIntegrationTest {
    private static final String CONFIG = """
            %s
            upstreams:
              u: { targets: [ { url: "${UP}" } ] }
            routes:
              - { id: nohost, match: { path_prefix: /nohost }, upstream: u, preserve_host: false }
              - { id: rewrite, match: { path_prefix: /rewrite }, upstream: u, host_rewrite: internal.svc:9000 }
              - id: rules
                match: { path_prefix: /rules }
                upstream: u
                request_headers: { remove: [x-secret], set: { x-set: new }, add: { x-add: two } }
                response_headers: { remove: [x-internal], set: { x-rset: new }, add: { x-radd: two } }
              - { id: all, match: { path_prefix: / }, upstream: u }
            """;
    private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "upgrade");

    private static TestUpstream upstream;
    private static GatewayHarness gateway;

    @BeforeAll
    static void startGateway() throws Exception {
        upstream = TestUpstream.start("u");
        gateway = GatewayHarness.start(CONFIG.formatted(""), Map.of("UP", upstream.url()));
    }

    @AfterAll
    static void stopGateway() {
        gateway.close();
        upstream.close();
    }

    @BeforeEach
    void plainResponses() {
        upstream.respondWith(r -> Behavior.respond(200, "ok"));
    }

    @Test
    void request_hopByHopHeaders_removedBeforeUpstream() throws Exception {
        send(gateway, "/x", "Connection: keep-alive, X-Named", "X-Named: 1", "Keep-Alive: timeout=5",
                "Proxy-Connection: keep-alive", "TE: trailers", "Trailer: X-T", "Upgrade: websocket");
        final TestUpstream.Received got = upstream.lastRequest();
        assertThat(got.headers()).doesNotContainKeys(HOP_BY_HOP.toArray(new String[0]));
        assertThat(got.headers()).doesNotContainKey("x-named");
    }

    @Test
    void response_hopByHopHeaders_removedBeforeClient() throws Exception {
        upstream.respondWith(r -> Behavior.respond(200, "ok").withHeader("Connection", "X-Named")
                .withHeader("X-Named", "1").withHeader("Keep-Alive", "timeout=5")
                .withHeader("Proxy-Connection", "keep-alive").withHeader("Trailer", "X-T")
                .withHeader("Upgrade", "h2c"));
        final RawClient.Response r = send(gateway, "/x");
        assertThat(r.headers()).doesNotContainKeys(HOP_BY_HOP.toArray(new String[0]));
        assertThat(r.headers()).doesNotContainKey("x-named");
    }

    @Test
    void request_existingVia_appendsGateway() throws Exception {
        send(gateway, "/x", "Via: 1.0 edge");
        assertThat(upstream.lastRequest().header("via")).isEqualTo("1.0 edge, 1.1 sluice");
    }

    @Test
    void response_existingVia_appendsGateway() throws Exception {
        upstream.respondWith(r -> Behavior.respond(200, "ok").withHeader("Via", "1.1 app"));
        assertThat(send(gateway, "/x").header("via")).isEqualTo("1.1 app, 1.1 sluice");
    }

    @Test
    void request_noVia_setsGateway() throws Exception {
        send(gateway, "/x");
        assertThat(upstream.lastRequest().header("via")).isEqualTo("1.1 sluice");
    }

    @Test
    void forwardedFor_untrustedPeer_setToPeer() throws Exception {
        send(gateway, "/x");
        assertThat(upstream.lastRequest().header("x-forwarded-for")).isEqualTo("127.0.0.1");
    }

    @Test
    void forwardedFor_untrustedPeerForgesHeader_replaced() throws Exception {
        send(gateway, "/x", "X-Forwarded-For: 6.6.6.6");
        assertThat(upstream.lastRequest().headers().get("x-forwarded-for")).containsExactly("127.0.0.1");
    }

    @Test
    void forwardedFor_trustedPeer_appendsPeer() throws Exception {
        try (GatewayHarness trusted = GatewayHarness.start(CONFIG.formatted(
                "server: { listen: 127.0.0.1:0, trusted_proxies: [127.0.0.1/32] }"), Map.of("UP", upstream.url()))) {
            send(trusted, "/x", "X-Forwarded-For: 203.0.113.5");
            assertThat(upstream.lastRequest().header("x-forwarded-for")).isEqualTo("203.0.113.5, 127.0.0.1");
        }
    }

    @Test
    void forwardedProto_untrustedPeerForgesHeader_setToHttp() throws Exception {
        send(gateway, "/x", "X-Forwarded-Proto: https");
        assertThat(upstream.lastRequest().headers().get("x-forwarded-proto")).containsExactly("http");
    }

    @Test
    void forwardedHost_anyRequest_isClientHost() throws Exception {
        sendWithHost(gateway, "/x", "shop.example.com:8443");
        assertThat(upstream.lastRequest().header("x-forwarded-host")).isEqualTo("shop.example.com:8443");
    }

    @Test
    void host_preserveHostDefault_forwardsClientHost() throws Exception {
        sendWithHost(gateway, "/x", "shop.example.com");
        assertThat(upstream.lastRequest().header("host")).isEqualTo("shop.example.com");
    }

    @Test
    void host_preserveHostFalse_sendsTargetAuthority() throws Exception {
        sendWithHost(gateway, "/nohost", "shop.example.com");
        assertThat(upstream.lastRequest().header("host")).isEqualTo("127.0.0.1:" + upstream.port());
    }

    @Test
    void host_hostRewrite_sendsConfiguredHost() throws Exception {
        sendWithHost(gateway, "/rewrite", "shop.example.com");
        assertThat(upstream.lastRequest().header("host")).isEqualTo("internal.svc:9000");
    }

    @Test
    void requestRules_remove_dropsHeader() throws Exception {
        send(gateway, "/rules", "X-Secret: s");
        assertThat(upstream.lastRequest().headers()).doesNotContainKey("x-secret");
    }

    @Test
    void requestRules_set_replacesValue() throws Exception {
        send(gateway, "/rules", "X-Set: old");
        assertThat(upstream.lastRequest().headers().get("x-set")).containsExactly("new");
    }

    @Test
    void requestRules_add_keepsExistingValue() throws Exception {
        send(gateway, "/rules", "X-Add: one");
        assertThat(upstream.lastRequest().headers().get("x-add")).containsExactly("one", "two");
    }

    @Test
    void responseRules_remove_dropsHeader() throws Exception {
        upstream.respondWith(r -> Behavior.respond(200, "ok").withHeader("X-Internal", "i"));
        assertThat(send(gateway, "/rules").headers()).doesNotContainKey("x-internal");
    }

    @Test
    void responseRules_set_replacesValue() throws Exception {
        upstream.respondWith(r -> Behavior.respond(200, "ok").withHeader("X-Rset", "old"));
        assertThat(send(gateway, "/rules").headers().get("x-rset")).containsExactly("new");
    }

    @Test
    void responseRules_add_keepsExistingValue() throws Exception {
        upstream.respondWith(r -> Behavior.respond(200, "ok").withHeader("X-Radd", "one"));
        assertThat(send(gateway, "/rules").headers().get("x-radd")).containsExactly("one", "two");
    }

    private static RawClient.Response send(GatewayHarness gw, String path, String... headerLines) throws Exception {
        try (RawClient c = RawClient.connect(gw.port())) {
            final RawClient.Response r = c.get(path, headerLines);
            assertThat(r.status()).isEqualTo(200);
            return r;
        }
    }

    private static void sendWithHost(GatewayHarness gw, String path, String host) throws Exception {
        try (RawClient c = RawClient.connect(gw.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
            assertThat(c.read(false).status()).isEqualTo(200);
        }
    }
}
