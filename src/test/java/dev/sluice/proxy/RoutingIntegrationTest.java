package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Action;
import dev.sluice.testing.TestUpstream.Behavior;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Route precedence and request-target rewriting, end to end: a real gateway in front of one echoing upstream. Each
 * route tags its responses with {@code x-route} (a response header rule), so a test sees which route answered and,
 * from the echoed request line, what the upstream received.
 */
class RoutingIntegrationTest {
    private static final String CONFIG = """
            upstreams:
              u: { targets: [ { url: "${UP}" } ] }
            routes:
              - { id: exact, match: { path: /users/me }, upstream: u, response_headers: { set: { x-route: exact } } }
              - id: tmpl
                match: { path: "/users/{id}" }
                upstream: u
                rewrite: "/v2/users/{id}"
                response_headers: { set: { x-route: tmpl } }
              - id: prefix
                match: { path_prefix: /users }
                upstream: u
                response_headers: { set: { x-route: prefix } }
              - id: api
                match: { path_prefix: /api }
                upstream: u
                strip_prefix: true
                response_headers: { set: { x-route: api } }
              - id: api-v1
                match: { path_prefix: /api/v1 }
                upstream: u
                response_headers: { set: { x-route: api-v1 } }
              - id: host-exact
                match: { hosts: [a.example.com], path_prefix: /h }
                upstream: u
                response_headers: { set: { x-route: host-exact } }
              - id: host-wild
                match: { hosts: ["*.example.com"], path_prefix: /h }
                upstream: u
                response_headers: { set: { x-route: host-wild } }
              - id: host-none
                match: { path_prefix: /h }
                upstream: u
                response_headers: { set: { x-route: host-none } }
              - id: post-only
                match: { path: /m, methods: [POST] }
                upstream: u
                response_headers: { set: { x-route: post-only } }
              - { id: m-any, match: { path_prefix: /m }, upstream: u, response_headers: { set: { x-route: m-any } } }
              - id: hdr
                match: { path_prefix: /c, headers: { x-env: prod } }
                upstream: u
                response_headers: { set: { x-route: hdr } }
              - id: qry
                match: { path_prefix: /c, query: { v: "2" } }
                upstream: u
                response_headers: { set: { x-route: qry } }
              - { id: c-any, match: { path_prefix: /c }, upstream: u, response_headers: { set: { x-route: c-any } } }
              - { id: p-exact, match: { path: /p/exact }, upstream: u, response_headers: { set: { x-route: p-exact } } }
              - id: p-priority
                priority: 10
                match: { path_prefix: /p }
                upstream: u
                response_headers: { set: { x-route: p-priority } }
              - id: regex
                match: { path_regex: "/r/(?<year>[0-9]{4})/(?<slug>[a-z]+)" }
                upstream: u
                rewrite: "/archive/{year}/{slug}"
                response_headers: { set: { x-route: regex } }
              - id: admin
                match: { path_prefix: /admin }
                upstream: u
                response_headers: { set: { x-route: admin } }
              - id: public
                match: { path_prefix: /public }
                upstream: u
                response_headers: { set: { x-route: public } }
              - id: static
                match: { path: /static }
                static_response: { status: 418, headers: { x-static: "yes" }, body: "short and stout" }
            """;

    private static TestUpstream upstream;
    private static GatewayHarness gateway;

    @BeforeAll
    static void startGateway() throws Exception {
        upstream = TestUpstream.start("u");
        gateway = GatewayHarness.start(CONFIG, Map.of("UP", upstream.url()));
    }

    @AfterAll
    static void stopGateway() {
        gateway.close();
        upstream.close();
    }

    @BeforeEach
    void echo() {
        upstream.respondWith(r -> Behavior.of(Action.ECHO_HEADERS));
    }

    @Test
    void match_exactLiteralPath_beatsTemplateAndPrefix() throws Exception {
        assertThat(routeOf(gateway.get("/users/me"))).isEqualTo("exact");
    }

    @Test
    void match_templatePath_beatsPrefix() throws Exception {
        assertThat(routeOf(gateway.get("/users/42"))).isEqualTo("tmpl");
    }

    @Test
    void match_pathBelowTemplate_fallsBackToPrefix() throws Exception {
        assertThat(routeOf(gateway.get("/users/42/orders"))).isEqualTo("prefix");
    }

    @Test
    void match_longerPrefix_wins() throws Exception {
        assertThat(routeOf(gateway.get("/api/v1/things"))).isEqualTo("api-v1");
    }

    @Test
    void match_exactHost_beatsWildcard() throws Exception {
        assertThat(rawGet("/h", "a.example.com").header("x-route")).isEqualTo("host-exact");
    }

    @Test
    void match_wildcardHost_beatsAnyHost() throws Exception {
        assertThat(rawGet("/h", "b.example.com:8080").header("x-route")).isEqualTo("host-wild");
    }

    @Test
    void match_unlistedHost_takesHostlessRoute() throws Exception {
        assertThat(rawGet("/h", "example.org").header("x-route")).isEqualTo("host-none");
    }

    @Test
    void match_methodCondition_takesMethodRouteForPost() throws Exception {
        final HttpResponse<String> r = gateway.send(gateway.request("/m")
                .POST(HttpRequest.BodyPublishers.ofString("x")).build());
        assertThat(routeOf(r)).isEqualTo("post-only");
    }

    @Test
    void match_methodConditionFails_fallsBackToNextRoute() throws Exception {
        assertThat(routeOf(gateway.get("/m"))).isEqualTo("m-any");
    }

    @Test
    void match_headerCondition_takesHeaderRoute() throws Exception {
        final HttpResponse<String> r = gateway.send(gateway.request("/c").header("X-Env", "prod").build());
        assertThat(routeOf(r)).isEqualTo("hdr");
    }

    @Test
    void match_queryCondition_takesQueryRoute() throws Exception {
        assertThat(routeOf(gateway.get("/c?v=2"))).isEqualTo("qry");
    }

    @Test
    void match_conditionsUnmet_takesUnconditionalRoute() throws Exception {
        final HttpResponse<String> r = gateway.send(gateway.request("/c?v=3").header("X-Env", "dev").build());
        assertThat(routeOf(r)).isEqualTo("c-any");
    }

    @Test
    void match_explicitPriority_beatsExactPath() throws Exception {
        assertThat(routeOf(gateway.get("/p/exact"))).isEqualTo("p-priority");
    }

    @Test
    void forward_regexWithNamedCaptures_rewritesPath() throws Exception {
        final HttpResponse<String> r = gateway.get("/r/2024/hello");
        assertThat(routeOf(r)).isEqualTo("regex");
        assertThat(requestLine(r)).isEqualTo("GET /archive/2024/hello");
    }

    @Test
    void forward_stripPrefix_removesMatchedPrefix() throws Exception {
        assertThat(requestLine(gateway.get("/api/things/7"))).isEqualTo("GET /things/7");
    }

    @Test
    void forward_stripPrefixOfWholePath_sendsRoot() throws Exception {
        assertThat(requestLine(gateway.get("/api"))).isEqualTo("GET /");
    }

    @Test
    void forward_rewriteWithCapture_sendsRewrittenPath() throws Exception {
        assertThat(requestLine(gateway.get("/users/42"))).isEqualTo("GET /v2/users/42");
    }

    @Test
    void forward_rewriteWithQuery_preservesQueryString() throws Exception {
        assertThat(requestLine(gateway.get("/users/42?x=1&y=a%20b"))).isEqualTo("GET /v2/users/42?x=1&y=a%20b");
    }

    @Test
    void forward_plainRoute_preservesQueryString() throws Exception {
        assertThat(requestLine(gateway.get("/admin/a?q=1&q=2"))).isEqualTo("GET /admin/a?q=1&q=2");
    }

    @Test
    void forward_dotSegments_reachOnlyNormalisedRoute() throws Exception {
        final RawClient.Response r = rawGet("/public/../admin/x", "test");
        assertThat(r.header("x-route")).isEqualTo("admin");
    }

    @Test
    void forward_dotSegments_upstreamReceivesNormalisedPath() throws Exception {
        final RawClient.Response r = rawGet("/public/%2e%2e//admin/./x", "test");
        assertThat(r.body()).startsWith("GET /admin/x\n");
    }

    @Test
    void staticResponse_matched_answersConfiguredStatusHeadersAndBody() throws Exception {
        final int before = upstream.requests();
        final HttpResponse<String> r = gateway.get("/static");
        assertThat(r.statusCode()).isEqualTo(418);
        assertThat(r.headers().firstValue("x-static")).hasValue("yes");
        assertThat(r.body()).isEqualTo("short and stout");
        assertThat(upstream.requests()).isEqualTo(before);
    }

    @Test
    void noRoute_anyRequest_answers404Json() throws Exception {
        final HttpResponse<String> r = gateway.get("/nowhere");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.body()).contains("\"status\":404").contains("\"code\":\"route_not_found\"");
    }

    @Test
    void noRoute_anyRequest_bodyRequestIdEqualsHeader() throws Exception {
        final HttpResponse<String> r = gateway.get("/nowhere");
        final String id = r.headers().firstValue("x-request-id").orElseThrow();
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(r.body()).contains("\"request_id\":\"" + id + "\"");
    }

    @Test
    void requestId_suppliedByClient_propagatedUpstreamAndEchoed() throws Exception {
        final HttpResponse<String> r = gateway.send(gateway.request("/admin").header("X-Request-Id", "abc-123")
                .build());
        assertThat(r.headers().firstValue("x-request-id")).hasValue("abc-123");
        assertThat(upstream.lastRequest().header("x-request-id")).isEqualTo("abc-123");
    }

    @Test
    void requestId_suppliedByClientOnMiss_echoedInBody() throws Exception {
        final HttpResponse<String> r = gateway.send(gateway.request("/nowhere").header("X-Request-Id", "abc-404")
                .build());
        assertThat(r.headers().firstValue("x-request-id")).hasValue("abc-404");
        assertThat(r.body()).contains("\"request_id\":\"abc-404\"");
    }

    private static String routeOf(HttpResponse<String> r) {
        assertThat(r.statusCode()).as("status of %s", r.uri()).isEqualTo(200);
        return r.headers().firstValue("x-route").orElse(null);
    }

    /** The request line the upstream echoed ("METHOD uri"). */
    private static String requestLine(HttpResponse<String> r) {
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body().substring(0, r.body().indexOf('\n'));
    }

    private static RawClient.Response rawGet(String path, String host) throws Exception {
        try (RawClient c = RawClient.connect(gateway.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
            final RawClient.Response r = c.read(false);
            assertThat(r.status()).isEqualTo(200);
            return r;
        }
    }
}
