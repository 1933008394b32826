package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.validate.ConfigProblem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
    private static final Function<String, String> NO_ENV = name -> null;

    private static ConfigResult parse(String yaml) {
        return ConfigLoader.parse(yaml, "test.yaml", NO_ENV);
    }

    private static List<String> problems(String yaml) {
        return parse(yaml).problems().stream().map(ConfigProblem::toString).toList();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ConfigLoaderTest.class.getResourceAsStream(name)) {
            assertThat(in).as("resource %s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void parse_fullExample_bindsToExpectedRecords() throws IOException {
        final ConfigResult result = ConfigLoader.parse(resource("/config/gateway-full.yaml"), "gateway-full.yaml",
                Map.of("GATEWAY_PORT", "18090")::get);

        assertThat(result.problems()).isEmpty();
        final GatewayConfig expected = new GatewayConfig(
                new ServerSpec("127.0.0.1:18090", 4, 4096, 32768, DataSize.ofMebibytes(2), Duration.ofSeconds(5),
                        Duration.ofSeconds(90), Duration.ofMinutes(2), Duration.ofMillis(1500),
                        List.of("10.0.0.0/8", "fd00::/8", "192.168.1.7"), false),
                null,
                Map.of(
                        "users", new UpstreamSpec(BalancerKind.CONSISTENT_HASH,
                                new HashOn(HashOn.Source.HEADER, "X-User"),
                                List.of(new TargetSpec("http://10.0.0.5:9001", 3),
                                        new TargetSpec("http://users-2.internal:9001", 1)),
                                new TimeoutsSpec(Duration.ofMillis(250), Duration.ofSeconds(10), Duration.ofSeconds(30)),
                                new PoolSpec(64, 128, Duration.ofSeconds(30)),
                                new HealthCheckSpec(
                                        new HealthCheckSpec.Active("/healthz", Duration.ofSeconds(2),
                                                Duration.ofMillis(500), List.of("200", "204-206"), 1, 2,
                                                "health.internal"),
                                        new HealthCheckSpec.Passive(3, Percent.of(40), 50, Duration.ofSeconds(5),
                                                Duration.ofSeconds(10), Duration.ofMinutes(1), Percent.of(34),
                                                List.of("5xx", "connect_failure")),
                                        Percent.of(25)),
                                new CircuitBreakerSpec(new BreakerWindow(50, null), 10, Percent.of(25),
                                        Duration.ofMillis(800), Percent.of(60), Duration.ofSeconds(3), 2,
                                        List.of("500-504", "timeout")),
                                new RetryBudgetSpec(Percent.of(10), 1),
                                new ConcurrencySpec(400, 10, Duration.ofMillis(200),
                                        new ConcurrencySpec.Adaptive(50, 5, 2.0))),
                        "orders", new UpstreamSpec(BalancerKind.LEAST_REQUEST, null,
                                List.of(TargetSpec.of("http://[::1]:9002")), null, null, null, null, null, null)),
                List.of(
                        new RouteSpec("users-api", 10,
                                new MatchSpec(List.of("api.example.com", "*.example.org"), null, "/api/users", null,
                                        List.of("GET", "POST"), Map.of("X-Api-Version", "2"), Map.of("debug", "*")),
                                "users", null, true, "/v2", false, "users.internal",
                                new HeaderRulesSpec(Map.of("X-Gateway", "sluice"), Map.of("X-Env", "prod"),
                                        List.of("X-Debug")),
                                new HeaderRulesSpec(null, null, List.of("Server")),
                                DataSize.ofKibibytes(512), new TimeoutsSpec(null, Duration.ofSeconds(1),
                                        Duration.ofSeconds(3)),
                                new RetrySpec(4, List.of("connect_failure", "reset", "timeout", "503"), true,
                                        new RetrySpec.BackoffSpec(Duration.ofMillis(10), Duration.ofMillis(100)),
                                        DataSize.ofKibibytes(16)),
                                new CircuitBreakerSpec(new BreakerWindow(0, Duration.ofSeconds(20)), 5, null, null,
                                        null, null, 3, null),
                                new FallbackSpec(null, "orders", List.of("503")),
                                new ConcurrencySpec(100, 0, null, null),
                                null),
                        new RouteSpec("route-1", 0, new MatchSpec(null, "/orders/{id}", null, null, null, null, null),
                                "orders", null, false, null, null, null, null, null, null, null, null, null, null,
                                null, null),
                        new RouteSpec("maintenance", 0, new MatchSpec(null, null, null, "^/old/.*$", null, null, null),
                                null, new StaticResponseSpec(503, Map.of("Retry-After", "120"),
                                        "down for maintenance; literal ${NOT_A_VAR}"),
                                false, null, null, null, null, null, null, null, null, null, null, null, null)));
        assertThat(result.config()).isEqualTo(expected);
    }

    @Test
    void parse_minimalConfig_appliesDefaults() {
        final ConfigResult result = parse("upstreams: {u: {targets: [{url: 'http://a:1'}]}}\n"
                + "routes: [{upstream: u}]\n");

        assertThat(result.problems()).isEmpty();
        final GatewayConfig config = result.config();
        assertThat(config.server()).isEqualTo(ServerSpec.defaults());
        assertThat(config.upstreams().get("u").pool()).isEqualTo(PoolSpec.defaults());
        assertThat(config.upstreams().get("u").balancer()).isEqualTo(BalancerKind.ROUND_ROBIN);
        assertThat(config.routes().get(0).id()).isEqualTo("route-0");
        assertThat(config.routes().get(0).preserveHost()).isTrue();
    }

    @Test
    void parse_severalMistakes_reportsEveryProblemWithItsPath() {
        final String yaml = String.join("\n",
                "server:",
                "  listen: 0.0.0.0:99999",
                "  workers: abc",
                "  idle_timeout: 5",
                "  max_body_size: 5 parsecs",
                "  trusted_proxies: [10.0.0.0/33]",
                "upstreams:",
                "  users:",
                "    balancer: fastest",
                "    targets:",
                "      - url: https://10.0.0.5:9001",
                "        weight: 0",
                "  empty:",
                "    targets: []",
                "routes:",
                "  - id: a",
                "    matc: {path: /x}",
                "    upstream: users",
                "  - id: a",
                "    match: {path: users, path_prefix: /u}",
                "    upstream: nowhere",
                "  - id: b",
                "    strip_prefix: true",
                "    static_response: {status: 99}",
                "");

        assertThat(problems(yaml)).containsExactlyInAnyOrder(
                "server.workers: \"abc\" is not an integer",
                "server.idle_timeout: 5 has no unit (expected a duration like 250ms, 5s, 1m)",
                "server.max_body_size: \"5 parsecs\" is not a size (expected a size like 512, 64kb, 10mb, 1gb)",
                "upstreams.users.balancer: unknown balancer \"fastest\" (expected one of: round_robin,"
                        + " weighted_round_robin, random, least_request, consistent_hash)",
                "routes[0].matc: unknown key (expected one of: id, priority, match, upstream, static_response,"
                        + " strip_prefix, rewrite, preserve_host, host_rewrite, request_headers, response_headers,"
                        + " max_body_size, timeouts, retry, circuit_breaker, fallback, concurrency, policies)",
                "server.listen: \"0.0.0.0:99999\" has an invalid port \"99999\" (expected 0..65535)",
                "server.trusted_proxies[0]: \"10.0.0.0/33\" is not an IP address or CIDR (expected e.g. 10.0.0.0/8,"
                        + " 192.168.1.7 or fd00::/8)",
                "upstreams.users.targets[0].url: \"https://10.0.0.5:9001\": https targets are not supported yet"
                        + " (expected http://host:port)",
                "upstreams.users.targets[0].weight: 0 is out of range (expected 1..10000)",
                "upstreams.empty.targets: has no targets (expected at least one)",
                "routes[1].id: duplicate id \"a\" (already used by routes[0])",
                "routes[1].upstream: unknown upstream \"nowhere\" (expected one of: users, empty)",
                "routes[1].match: sets more than one of path, path_prefix, path_regex (expected at most one)",
                "routes[1].match.path: \"users\" must start with \"/\"",
                "routes[2].static_response.status: 99 is not an HTTP status (expected 200..599)",
                "routes[2].strip_prefix: requires match.path_prefix");
    }

    @Test
    void parse_emptyDocument_isOneProblem() {
        assertThat(problems("")).containsExactly(
                "test.yaml is empty (expected a mapping with server, upstreams and routes)");
        assertThat(problems("# only a comment\n")).hasSize(1);
    }

    @Test
    void parse_syntaxError_reportsLineAndColumn() {
        assertThat(problems("server:\n  listen: [a\n")).singleElement().asString()
                .matches("test\\.yaml:2:\\d+: invalid YAML: expected ',' or ']'.*");
        assertThat(problems("server:\n  listen: a: b\n")).singleElement().asString()
                .isEqualTo("test.yaml:2:12: invalid YAML: mapping values are not allowed here");
    }

    @Test
    void parse_duplicateKey_isSyntaxProblem() {
        assertThat(problems("server: {workers: 1}\nserver: {workers: 2}\n")).containsExactly(
                "test.yaml:2:7: invalid YAML: duplicate key \"server\"");
    }

    @Test
    void parse_twoDocuments_isRejected() {
        assertThat(problems("server: {workers: 1}\n---\nserver: {workers: 2}\n")).containsExactly(
                "test.yaml holds more than one YAML document (expected exactly one)");
    }

    @Test
    void parse_topLevelList_isRejected() {
        assertThat(problems("- a\n")).containsExactly("test.yaml: expected a mapping at the top level, got a list");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "server: {workers: [1]}                 | server.workers: expected an integer, got a list",
        "server: {workers: 1.5}                 | server.workers: 1.5 is not an integer",
        "server: {workers: ''}                  | server.workers: \"\" is not an integer",
        "server: {workers: 99999999999}         | server.workers: 99999999999 is out of range"
                + " (expected at most 2147483647)",
        "server: {listen: {a: b}}               | server.listen: expected a string, got a mapping",
        "server: hello                          | server: expected a mapping, got \"hello\"",
        "server: {trusted_proxies: {a: 1}}      | server.trusted_proxies: expected a string, got a mapping",
        "server: {idle_timeout: -1s}            | server.idle_timeout: \"-1s\" is negative"
                + " (expected a duration like 250ms, 5s, 1m)",
        "routes: [{id: ~, upstream: u, preserve_host: maybe}] | routes[0].preserve_host: \"maybe\" is not valid"
                + " (expected true or false)",
        "routes: [abc]                          | routes[0]: expected a mapping, got \"abc\"",
        "routes: [~]                            | routes[0]: must not be empty (null)",
        "upstreams: {u: {hash_on: ip}}          | upstreams.u.hash_on: \"ip\" is not a hash key"
                + " (expected header:<name>, cookie:<name>, client_ip or path)",
    })
    void parse_wrongType_reportsPathAndExpectation(String yaml, String expected) {
        assertThat(problems(yaml)).contains(expected);
    }

    @Test
    void parse_unknownTopLevelKey_listsAllowedKeys() {
        assertThat(problems("servr: {}\n")).containsExactly(
                "servr: unknown key (expected one of: server, cluster, upstreams, routes)");
    }

    @Test
    void parse_unknownKeyInMap_isQuotedWhenNotPlain() {
        assertThat(problems("upstreams: {'users.v2': {targets: [{url: 'http://a:1'}], wat: 1}}\n")).containsExactly(
                "upstreams[\"users.v2\"].wat: unknown key (expected one of: balancer, hash_on, targets,"
                        + " timeouts, pool, health_check, circuit_breaker, retry_budget, concurrency)");
    }

    @Test
    void parse_interpolatedNumber_bindsToIntField() {
        final ConfigResult result = ConfigLoader.parse("server:\n  listen: ${HOST}:${PORT}\n  workers: ${W}\n",
                "test.yaml", Map.of("HOST", "127.0.0.1", "PORT", "18090", "W", "3")::get);

        assertThat(result.problems()).isEmpty();
        assertThat(result.config().server().listen()).isEqualTo("127.0.0.1:18090");
        assertThat(result.config().server().workers()).isEqualTo(3);
    }

    @Test
    void parse_unsetVariable_reportsItsPath() {
        assertThat(problems("server:\n  listen: 0.0.0.0:${GATEWAY_PORT}\n")).containsExactly(
                "server.listen: environment variable GATEWAY_PORT is not set");
    }

    @Test
    void parse_variableWithYamlStructure_staysOneScalar() {
        final ConfigResult result = ConfigLoader.parse("routes:\n  - static_response: {body: '${B}'}\n", "test.yaml",
                Map.of("B", "x\nupstreams: {evil: {}}\n")::get);

        assertThat(result.problems()).isEmpty();
        assertThat(result.config().upstreams()).isEmpty();
        assertThat(result.config().routes().get(0).staticResponse().body()).isEqualTo("x\nupstreams: {evil: {}}\n");
    }

    @Test
    void parse_bindingProblem_suppressesEchoFromValidator() {
        // weight "abc" binds as 0; the validator's "0 is out of range" would only repeat the binding problem.
        assertThat(problems("upstreams: {u: {targets: [{url: 'http://a:1', weight: abc}]}}\n")).containsExactly(
                "upstreams.u.targets[0].weight: \"abc\" is not an integer");
    }

    @Test
    void parse_hostAndMethodAliases_normalizeCase() {
        final ConfigResult result = parse("upstreams: {u: {targets: [{url: 'http://a:1'}]}}\n"
                + "routes: [{upstream: u, match: {host: API.Example.COM, method: delete}}]\n");

        assertThat(result.problems()).isEmpty();
        assertThat(result.config().routes().get(0).match().hosts()).containsExactly("api.example.com");
        assertThat(result.config().routes().get(0).match().methods()).containsExactly("DELETE");
    }

    @Test
    void parse_explicitZeroPoolValues_areReportedNotDefaulted() {
        assertThat(problems("upstreams: {u: {targets: [{url: 'http://a:1'}], pool: {max_connections: 0,"
                + " max_pending: 0}}}\n")).containsExactly(
                "upstreams.u.pool.max_connections: 0 is not positive (expected > 0)",
                "upstreams.u.pool.max_pending: 0 is not positive (expected > 0)");
    }

    @Test
    void load_missingFile_isProblemNotException(@TempDir Path dir) {
        final ConfigResult result = ConfigLoader.load(dir.resolve("absent.yaml"));

        assertThat(result.isValid()).isFalse();
        assertThat(result.problems()).singleElement().asString().startsWith("cannot read ");
    }

    @Test
    void load_invalidUtf8_isProblem(@TempDir Path dir) throws IOException {
        final Path file = dir.resolve("bad.yaml");
        Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28});

        assertThat(ConfigLoader.load(file).problems()).singleElement().asString().endsWith("is not valid UTF-8");
    }

    @Test
    void load_validFile_isValid(@TempDir Path dir) throws IOException {
        final Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, "upstreams: {u: {targets: [{url: 'http://a:1'}]}}\nroutes: [{upstream: u}]\n");

        assertThat(ConfigLoader.load(file).isValid()).isTrue();
    }
}
