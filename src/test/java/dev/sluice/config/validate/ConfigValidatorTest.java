package dev.sluice.config.validate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConfigResult;
import dev.sluice.config.GatewayConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each rule of {@link ConfigValidator}, fed through {@link ConfigLoader} so the cases read as the YAML an operator
 * writes; the loader only adds binding, which these cases never trip.
 */
class ConfigValidatorTest {
    private static final String UPSTREAM = "upstreams: {u: {targets: [{url: 'http://10.0.0.1:80'}]}}\n";

    private static List<String> problems(String yaml) {
        final ConfigResult result = ConfigLoader.parse(yaml, "test.yaml", name -> null);
        return result.problems().stream().map(ConfigProblem::toString).toList();
    }

    private static List<String> route(String routeFlow) {
        return problems(UPSTREAM + "routes: [" + routeFlow + "]\n");
    }

    @Test
    void validate_defaults_haveNoProblems() {
        assertThat(new ConfigValidator().validate(new GatewayConfig(null, null, null, null))).isEmpty();
    }

    @ParameterizedTest(name = "listen {0}")
    @ValueSource(strings = {"0.0.0.0:8080", "127.0.0.1:0", "localhost:65535", "'[::]:8080'", "'[::1]:1'",
        "gw.example.com:80"})
    void listen_valid_hasNoProblem(String listen) {
        assertThat(problems("server: {listen: " + listen + "}\n")).isEmpty();
    }

    @ParameterizedTest(name = "listen {0}")
    @CsvSource(delimiter = '|', value = {
        "8080           | has no port",
        "\"0.0.0.0:\"     | has an invalid port \"\"",
        "0.0.0.0:65536  | has an invalid port \"65536\"",
        "0.0.0.0:-1     | has an invalid port \"-1\"",
        "\":::8080\"      | an IPv6 host must be in brackets",
        "bad_host:80    | has an invalid host \"bad_host\"",
        "10.0.0:80      | has an invalid host \"10.0.0\"",
    })
    void listen_invalid_isReported(String listen, String fragment) {
        assertThat(problems("server: {listen: " + listen + "}\n")).singleElement().asString()
                .startsWith("server.listen: ").contains(fragment);
    }

    @Test
    void workers_negative_isReported() {
        assertThat(problems("server: {workers: -1}\n")).containsExactly(
                "server.workers: -1 is out of range (expected 0..4096; 0 means one per processor)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "max_request_line_length: 0 | server.max_request_line_length: 0 is not positive (expected > 0)",
        "max_header_size: -5        | server.max_header_size: -5 is not positive (expected > 0)",
        "max_body_size: 0           | server.max_body_size: 0 is not positive (expected a size like 64kb)",
        "idle_timeout: 0s           | server.idle_timeout: 0s is not positive (expected a duration like 250ms, 5s, 1m)",
        "body_timeout: 0ms          | server.body_timeout: 0s is not positive (expected a duration like 250ms, 5s, 1m)",
    })
    void serverLimits_notPositive_areReported(String entry, String expected) {
        assertThat(problems("server: {" + entry + "}\n")).containsExactly(expected);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"10.0.0.0/8", "192.168.1.7", "0.0.0.0/0", "'::1'", "'fd00::/8'", "'::ffff:10.0.0.1'",
        "'2001:db8:0:0:0:0:0:1/128'"})
    void trustedProxies_valid_haveNoProblem(String proxy) {
        assertThat(problems("server: {trusted_proxies: [" + proxy + "]}\n")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"10.0.0.0/33", "010.0.0.1", "10.1", "256.0.0.1", "example.com", "'fd00::/129'",
        "'1:2:3:4:5:6:7:8:9'", "'1::2::3'", "10.0.0.0/", "'fe80::1%eth0'"})
    void trustedProxies_invalid_areReported(String proxy) {
        assertThat(problems("server: {trusted_proxies: [" + proxy + "]}\n")).singleElement().asString()
                .startsWith("server.trusted_proxies[0]: ");
    }

    @Test
    void upstream_noTargets_isReported() {
        assertThat(problems("upstreams: {u: {balancer: random}}\n")).containsExactly(
                "upstreams.u.targets: has no targets (expected at least one)");
    }

    @Test
    void upstream_emptyValue_isReported() {
        assertThat(problems("upstreams:\n  u:\n")).containsExactly(
                "upstreams.u: is empty (expected a mapping)");
    }

    @Test
    void upstream_invalidName_isReported() {
        assertThat(problems("upstreams: {'a b': {targets: [{url: 'http://a:1'}]}}\n")).containsExactly(
                "upstreams[\"a b\"]: upstream name \"a b\" is invalid (expected letters, digits, '.', '_', '-')");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "https://a:443      | https targets are not supported yet",
        "ftp://a:21         | is not an http URL",
        "a:80               | is not an http URL",
        "http://a           | has no port",
        "http://a:80/api    | must not have a path, query or fragment",
        "http://a:80/       | must not have a path, query or fragment",
        "\"http://a:80?x=1\"  | must not have a path, query or fragment",
        "http://u@a:80      | must not contain user info",
        "http://a:0         | has an invalid port \"0\"",
        "http://a_b:80      | has an invalid host \"a_b\"",
        "\"http://[::1]\"     | has no port",
    })
    void targetUrl_invalid_isReported(String url, String fragment) {
        assertThat(problems("upstreams: {u: {targets: [{url: " + url + "}]}}\n")).singleElement().asString()
                .startsWith("upstreams.u.targets[0].url: ").contains(fragment);
    }

    @Test
    void targetUrl_missing_isReported() {
        assertThat(problems("upstreams: {u: {targets: [{weight: 2}]}}\n")).containsExactly(
                "upstreams.u.targets[0].url: is required (expected http://host:port)");
    }

    @Test
    void target_duplicateUrl_isReported() {
        assertThat(problems("upstreams: {u: {targets: [{url: 'http://a:1'}, {url: 'http://A:1'}]}}\n"))
                .containsExactly("upstreams.u.targets[1].url: duplicate target \"http://A:1\" (use weight to give a"
                        + " target more traffic)");
    }

    @ParameterizedTest(name = "weight {0}")
    @ValueSource(ints = {0, -1, 10001})
    void targetWeight_outOfRange_isReported(int weight) {
        assertThat(problems("upstreams: {u: {targets: [{url: 'http://a:1', weight: " + weight + "}]}}\n"))
                .containsExactly("upstreams.u.targets[0].weight: " + weight + " is out of range (expected 1..10000)");
    }

    @Test
    void targetWeight_bounds_areAccepted() {
        assertThat(problems("upstreams: {u: {targets: [{url: 'http://a:1', weight: 1},"
                + " {url: 'http://b:1', weight: 10000}]}}\n")).isEmpty();
    }

    @Test
    void consistentHash_withoutHashOn_isReported() {
        assertThat(problems("upstreams: {u: {balancer: consistent_hash, targets: [{url: 'http://a:1'}]}}\n"))
                .containsExactly("upstreams.u.hash_on: is required when balancer is consistent_hash (expected"
                        + " header:<name>, cookie:<name>, client_ip or path)");
    }

    @Test
    void hashOn_invalidHeaderName_isReported() {
        assertThat(problems("upstreams: {u: {balancer: consistent_hash, hash_on: 'header:X User',"
                + " targets: [{url: 'http://a:1'}]}}\n"))
                .containsExactly("upstreams.u.hash_on: \"X User\" is not a valid header name");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "timeouts: {connect: 0s}     | upstreams.u.timeouts.connect: 0s is not positive",
        "timeouts: {per_try: 0ms}    | upstreams.u.timeouts.per_try: 0s is not positive",
        "timeouts: {total: 0s}       | upstreams.u.timeouts.total: 0s is not positive",
        "pool: {max_connections: 0}  | upstreams.u.pool.max_connections: 0 is not positive (expected > 0)",
        "pool: {max_pending: -1}     | upstreams.u.pool.max_pending: -1 is not positive (expected > 0)",
        "pool: {idle_timeout: 0s}    | upstreams.u.pool.idle_timeout: 0s is not positive",
    })
    void upstreamLimits_notPositive_areReported(String entry, String prefix) {
        assertThat(problems("upstreams: {u: {targets: [{url: 'http://a:1'}], " + entry + "}}\n"))
                .singleElement().asString().startsWith(prefix);
    }

    @ParameterizedTest(name = "id {0}")
    @CsvSource(delimiter = '|', value = {
        "''          | routes[0].id: must not be empty",
        "'a b'       | routes[0].id: \"a b\" is invalid (expected letters, digits, '.', '_', '-')",
        "'x/y'       | routes[0].id: \"x/y\" is invalid (expected letters, digits, '.', '_', '-')",
    })
    void routeId_invalid_isReported(String id, String expected) {
        assertThat(route("{id: " + id + ", upstream: u}")).containsExactly(expected);
    }

    @Test
    void routeId_duplicate_isReported() {
        assertThat(route("{id: a, upstream: u}, {id: a, upstream: u}")).containsExactly(
                "routes[1].id: duplicate id \"a\" (already used by routes[0])");
    }

    @Test
    void routeId_defaultCollidingWithExplicit_isReported() {
        assertThat(route("{id: route-1, upstream: u}, {upstream: u}")).containsExactly(
                "routes[1].id: duplicate id \"route-1\" (already used by routes[0])");
    }

    @Test
    void routeAction_neither_isReported() {
        assertThat(route("{id: a}")).containsExactly(
                "routes[0]: has neither upstream nor static_response (expected exactly one)");
    }

    @Test
    void routeAction_both_isReported() {
        assertThat(route("{id: a, upstream: u, static_response: {status: 200}}")).containsExactly(
                "routes[0]: has both upstream and static_response (expected exactly one)");
    }

    @Test
    void routeUpstream_unknown_listsDefined() {
        assertThat(route("{upstream: x}")).containsExactly(
                "routes[0].upstream: unknown upstream \"x\" (expected one of: u)");
    }

    @ParameterizedTest(name = "status {0}")
    @CsvSource(delimiter = '|', value = {
        "0   | routes[0].static_response.status: 0 is not an HTTP status (expected 200..599)",
        "600 | routes[0].static_response.status: 600 is not an HTTP status (expected 200..599)",
        "101 | routes[0].static_response.status: 101 is informational and cannot be a complete response"
                + " (expected 200..599)",
    })
    void staticStatus_invalid_isReported(int status, String expected) {
        assertThat(route("{static_response: {status: " + status + "}}")).containsExactly(expected);
    }

    @Test
    void staticBody_on204_isReported() {
        assertThat(route("{static_response: {status: 204, body: x}}")).containsExactly(
                "routes[0].static_response.body: must be empty for status 204");
    }

    @Test
    void staticHeaders_invalid_areReported() {
        assertThat(route("{static_response: {headers: {'Bad Name': x, X-Ok: \"a\\r\\nInjected: 1\"}}}"))
                .containsExactly(
                        "routes[0].static_response.headers[\"Bad Name\"]: \"Bad Name\" is not a valid header name",
                        "routes[0].static_response.headers.X-Ok: value must not contain CR, LF or NUL");
    }

    @Test
    void matchPaths_moreThanOne_isReported() {
        assertThat(route("{upstream: u, match: {path: /a, path_regex: '^/a$'}}")).containsExactly(
                "routes[0].match: sets more than one of path, path_prefix, path_regex (expected at most one)");
    }

    @Test
    void matchPath_withoutSlash_isReported() {
        assertThat(route("{upstream: u, match: {path_prefix: api}}")).containsExactly(
                "routes[0].match.path_prefix: \"api\" must start with \"/\"");
    }

    @Test
    void stripPrefix_withoutPathPrefix_isReported() {
        assertThat(route("{upstream: u, strip_prefix: true, match: {path: /a}}")).containsExactly(
                "routes[0].strip_prefix: requires match.path_prefix");
    }

    @Test
    void rewrite_withoutSlash_isReported() {
        assertThat(route("{upstream: u, rewrite: v2}")).containsExactly(
                "routes[0].rewrite: \"v2\" must start with \"/\"");
    }

    @ParameterizedTest(name = "method {0}")
    @ValueSource(strings = {"'GE T'", "'GET,POST'", "''", "'(x)'"})
    void matchMethod_invalidToken_isReported(String method) {
        assertThat(route("{upstream: u, match: {methods: [" + method + "]}}")).singleElement().asString()
                .startsWith("routes[0].match.methods[0]: ").endsWith("is not a valid method (expected a token such as"
                        + " GET or POST)");
    }

    @Test
    void matchMethod_extensionToken_isAccepted() {
        assertThat(route("{upstream: u, match: {methods: [purge, M-SEARCH]}}")).isEmpty();
    }

    @ParameterizedTest(name = "host {0}")
    @ValueSource(strings = {"api.example.com", "'*.example.com'", "localhost", "10.0.0.1", "'[::1]'",
        "xn--bcher-kva.de"})
    void matchHost_valid_hasNoProblem(String host) {
        assertThat(route("{upstream: u, match: {hosts: [" + host + "]}}")).isEmpty();
    }

    @ParameterizedTest(name = "host {0}")
    @ValueSource(strings = {"'api.example.com:8080'", "'*'", "'*.'", "'a.*.com'", "'-a.com'", "'a..b'", "'**.a.com'",
        "'under_score.com'"})
    void matchHost_invalid_isReported(String host) {
        assertThat(route("{upstream: u, match: {hosts: [" + host + "]}}")).singleElement().asString()
                .startsWith("routes[0].match.hosts[0]: ");
    }

    @Test
    void matchHeaderName_invalid_isReported() {
        assertThat(route("{upstream: u, match: {headers: {'X User': '*'}}}")).containsExactly(
                "routes[0].match.headers[\"X User\"]: \"X User\" is not a valid header name");
    }

    @Test
    void headerRules_invalidNamesAndValues_areReported() {
        assertThat(route("{upstream: u, request_headers: {add: {'a:b': x}, remove: ['c d']},"
                + " response_headers: {set: {X-A: \"1\\n2\"}}}")).containsExactly(
                "routes[0].request_headers.add[\"a:b\"]: \"a:b\" is not a valid header name",
                "routes[0].request_headers.remove[0]: \"c d\" is not a valid header name",
                "routes[0].response_headers.set.X-A: value must not contain CR, LF or NUL");
    }

    @Test
    void hostRewrite_invalid_isReported() {
        assertThat(route("{upstream: u, host_rewrite: 'a b:80'}")).containsExactly(
                "routes[0].host_rewrite: \"a b:80\" is not a host (expected host or host:port)");
        assertThat(route("{upstream: u, host_rewrite: 'users.internal:8080'}")).isEmpty();
    }

    @Test
    void routeLimits_notPositive_areReported() {
        assertThat(route("{upstream: u, max_body_size: 0, timeouts: {total: 0s}}")).containsExactly(
                "routes[0].max_body_size: 0 is not positive (expected a size like 64kb)",
                "routes[0].timeouts.total: 0s is not positive (expected a duration like 250ms, 5s, 1m)");
    }
}
