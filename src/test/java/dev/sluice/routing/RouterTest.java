package dev.sluice.routing;

import static dev.sluice.routing.Routes.headers;
import static dev.sluice.routing.Routes.hosts;
import static dev.sluice.routing.Routes.methods;
import static dev.sluice.routing.Routes.path;
import static dev.sluice.routing.Routes.prefix;
import static dev.sluice.routing.Routes.query;
import static dev.sluice.routing.Routes.regex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.MatchSpec;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RouterTest {

    private static String matchId(final Router<String> router, final TestRequest request) {
        final RouteMatch<String> match = router.match(request);
        return match == null ? null : match.routeId();
    }

    // ---- match kinds ----

    static Stream<Arguments> pathKinds() {
        return Stream.of(
                Arguments.of("exact literal hits", path("/api/users"), "/api/users", true),
                Arguments.of("exact literal ignores trailing-slash variant", path("/api/users"), "/api/users/", false),
                Arguments.of("exact with trailing slash needs it", path("/api/users/"), "/api/users/", true),
                Arguments.of("exact literal root", path("/"), "/", true),
                Arguments.of("exact root does not match /a", path("/"), "/a", false),
                Arguments.of("exact capture hits", path("/users/{id}"), "/users/42", true),
                Arguments.of("exact capture needs a segment", path("/users/{id}"), "/users/", false),
                Arguments.of("exact capture matches one segment only", path("/users/{id}"), "/users/4/2", false),
                Arguments.of("catch-all takes the rest", path("/files/{*rest}"), "/files/a/b/c", true),
                Arguments.of("catch-all may be empty", path("/files/{*rest}"), "/files", true),
                Arguments.of("catch-all keeps segment boundary", path("/files/{*rest}"), "/filesx", false),
                Arguments.of("prefix exact segment", prefix("/api"), "/api", true),
                Arguments.of("prefix with slash", prefix("/api"), "/api/", true),
                Arguments.of("prefix deeper", prefix("/api"), "/api/x/y", true),
                Arguments.of("prefix not mid-segment", prefix("/api"), "/apix", false),
                Arguments.of("prefix written with trailing slash", prefix("/api/"), "/api", true),
                Arguments.of("prefix root matches all", prefix("/"), "/anything/here", true),
                Arguments.of("prefix with capture", prefix("/t/{tenant}"), "/t/acme/x", true),
                Arguments.of("prefix with capture needs segment", prefix("/t/{tenant}"), "/t/", false),
                Arguments.of("regex full match", regex("/v[0-9]+/.*"), "/v2/x", true),
                Arguments.of("regex is not a find", regex("/v[0-9]+"), "/v2/x", false),
                Arguments.of("no path matches all", MatchSpec.any(), "/x/y", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pathKinds")
    void match_pathKind_matchesAsDocumented(final String name, final MatchSpec spec, final String path,
            final boolean hit) {
        final Router<String> router = new Routes().add("r", spec).compile();
        assertThat(matchId(router, TestRequest.get("h", path))).isEqualTo(hit ? "r" : null);
    }

    static Stream<Arguments> hostKinds() {
        return Stream.of(
                Arguments.of("exact host", "api.example.com", "api.example.com", true),
                Arguments.of("exact host in config is case-insensitive", "API.Example.com", "api.example.com", true),
                Arguments.of("exact host other host", "api.example.com", "www.example.com", false),
                Arguments.of("wildcard one label", "*.example.com", "api.example.com", true),
                Arguments.of("wildcard several labels", "*.example.com", "a.b.example.com", true),
                Arguments.of("wildcard not the apex", "*.example.com", "example.com", false),
                Arguments.of("wildcard not a mere suffix", "*.example.com", "badexample.com", false),
                Arguments.of("wildcard empty host", "*.example.com", "", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostKinds")
    void match_hostKind_matchesAsDocumented(final String name, final String configured, final String host,
            final boolean hit) {
        final Router<String> router = new Routes().add("r", hosts(MatchSpec.any(), configured)).compile();
        assertThat(matchId(router, TestRequest.get(host, "/"))).isEqualTo(hit ? "r" : null);
    }

    static Stream<Arguments> predicates() {
        final MatchSpec get = methods(path("/a"), "get", "Post");
        final MatchSpec header = headers(path("/a"), Map.of("X-Env", "prod"));
        final MatchSpec present = headers(path("/a"), Map.of("x-env", "*"));
        final MatchSpec headerRegex = headers(path("/a"), Map.of("X-Env", "~pr.d"));
        final MatchSpec q = query(path("/a"), Map.of("v", "2"));
        final TestRequest base = TestRequest.get("h", "/a");
        return Stream.of(
                Arguments.of("method in list (config lower-case)", get, base, true),
                Arguments.of("second method", get, base.withMethod("POST"), true),
                Arguments.of("method not in list", get, base.withMethod("DELETE"), false),
                Arguments.of("header exact", header, base.withHeader("X-Env", "prod"), true),
                Arguments.of("header exact differs", header, base.withHeader("X-Env", "dev"), false),
                Arguments.of("header missing", header, base, false),
                Arguments.of("header present any value", present, base.withHeader("X-Env", ""), true),
                Arguments.of("header present missing", present, base, false),
                Arguments.of("header regex full match", headerRegex, base.withHeader("X-Env", "prod"), true),
                Arguments.of("header regex not a find", headerRegex, base.withHeader("X-Env", "prod1"), false),
                Arguments.of("query exact", q, base.withQuery("v", "2"), true),
                Arguments.of("query differs", q, base.withQuery("v", "3"), false),
                Arguments.of("query missing", q, base, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("predicates")
    void match_predicate_matchesAsDocumented(final String name, final MatchSpec spec, final TestRequest request,
            final boolean hit) {
        final Router<String> router = new Routes().add("r", spec).compile();
        assertThat(matchId(router, request)).isEqualTo(hit ? "r" : null);
    }

    // ---- precedence ----

    static Stream<Arguments> precedence() {
        return Stream.of(
                Arguments.of("priority beats host specificity", new Routes()
                        .add("exact-host", hosts(path("/a"), "x.example.com"))
                        .add("prio", 1, MatchSpec.any()), "x.example.com", "/a", "prio"),
                Arguments.of("exact host beats wildcard", new Routes()
                        .add("wild", hosts(path("/a"), "*.example.com"))
                        .add("exact", hosts(path("/a"), "x.example.com")), "x.example.com", "/a", "exact"),
                Arguments.of("longer wildcard beats shorter", new Routes()
                        .add("short", hosts(path("/a"), "*.example.com"))
                        .add("long", hosts(path("/a"), "*.b.example.com")), "x.b.example.com", "/a", "long"),
                Arguments.of("wildcard beats any host", new Routes()
                        .add("any", path("/a"))
                        .add("wild", hosts(path("/a"), "*.example.com")), "x.example.com", "/a", "wild"),
                Arguments.of("host beats path specificity", new Routes()
                        .add("any-host-exact-path", path("/a/b"))
                        .add("host-any-path", hosts(MatchSpec.any(), "h.io")), "h.io", "/a/b", "host-any-path"),
                Arguments.of("literal path beats template", new Routes()
                        .add("tpl", path("/u/{id}"))
                        .add("lit", path("/u/me")), "h", "/u/me", "lit"),
                Arguments.of("template with more literals wins", new Routes()
                        .add("one", path("/{a}/{b}/c"))
                        .add("two", path("/{a}/b/c")), "h", "/x/b/c", "two"),
                Arguments.of("same literal count: earlier literal wins", new Routes()
                        .add("late", path("/{a}/b"))
                        .add("early", path("/a/{b}")), "h", "/a/b", "early"),
                Arguments.of("exact template beats prefix", new Routes()
                        .add("prefix", prefix("/u/x"))
                        .add("tpl", path("/u/{id}")), "h", "/u/x", "tpl"),
                Arguments.of("longer prefix wins", new Routes()
                        .add("short", prefix("/api"))
                        .add("long", prefix("/api/v1")), "h", "/api/v1/x", "long"),
                Arguments.of("longer capture prefix beats shorter literal prefix", new Routes()
                        .add("short", prefix("/api"))
                        .add("long", prefix("/api/{v}")), "h", "/api/v1/x", "long"),
                Arguments.of("literal prefix beats capture prefix at same depth", new Routes()
                        .add("cap", prefix("/api/{v}"))
                        .add("lit", prefix("/api/v1")), "h", "/api/v1/x", "lit"),
                Arguments.of("catch-all ranks as prefix of same depth", new Routes()
                        .add("prefix", prefix("/api"))
                        .add("catch", path("/api/{*rest}")), "h", "/api/x", "prefix"),
                Arguments.of("prefix beats regex", new Routes()
                        .add("regex", regex("/api/.*"))
                        .add("prefix", prefix("/api")), "h", "/api/x", "prefix"),
                Arguments.of("regex beats any path", new Routes()
                        .add("any", MatchSpec.any())
                        .add("regex", regex("/api/.*")), "h", "/api/x", "regex"),
                Arguments.of("root prefix beats any path", new Routes()
                        .add("any", MatchSpec.any())
                        .add("root", prefix("/")), "h", "/x", "root"),
                Arguments.of("more conditions win", new Routes()
                        .add("plain", path("/a"))
                        .add("get", methods(path("/a"), "GET")), "h", "/a", "get"),
                Arguments.of("declaration order breaks ties", new Routes()
                        .add("first", path("/a"))
                        .add("second", path("/a")), "h", "/a", "first"),
                Arguments.of("better route failing predicates falls back", new Routes()
                        .add("fallback", prefix("/a"))
                        .add("post", methods(path("/a"), "POST")), "h", "/a", "fallback"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("precedence")
    void match_overlappingRoutes_picksByPrecedence(final String name, final Routes routes, final String host,
            final String path, final String expected) {
        assertThat(matchId(routes.compile(), TestRequest.get(host, path))).isEqualTo(expected);
    }

    // ---- captures and remainders ----

    @Test
    void match_templateCaptures_areMaterialised() {
        final Router<String> router = new Routes().add("r", path("/t/{tenant}/users/{id}")).compile();
        final RouteMatch<String> match = router.match(TestRequest.get("h", "/t/acme/users/42"));
        assertThat(match.captures()).containsExactly(Map.entry("tenant", "acme"), Map.entry("id", "42"));
        assertThat(match.capture("id")).isEqualTo("42");
        assertThat(match.capture("nope")).isNull();
        assertThat(match.target()).isEqualTo("r");
        assertThat(match.pathAfterPrefix()).isEqualTo("/t/acme/users/42");
    }

    static Stream<Arguments> remainders() {
        return Stream.of(
                Arguments.of("/api", "/api/x/y", "/x/y"),
                Arguments.of("/api", "/api", "/"),
                Arguments.of("/api", "/api/", "/"),
                Arguments.of("/api", "/api/x/", "/x/"),
                Arguments.of("/", "/x/y", "/x/y"),
                Arguments.of("/t/{tenant}", "/t/acme/x", "/x"));
    }

    @ParameterizedTest(name = "prefix {0}, path {1} -> {2}")
    @MethodSource("remainders")
    void pathAfterPrefix_prefixRoute_isRemainderWithSlash(final String prefix, final String path,
            final String expected) {
        final Router<String> router = new Routes().add("r", prefix(prefix)).compile();
        assertThat(router.match(TestRequest.get("h", path)).pathAfterPrefix()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> rest \"{1}\"")
    @MethodSource("catchAlls")
    void capture_catchAll_isRestWithoutLeadingSlash(final String path, final String rest, final String after) {
        final Router<String> router = new Routes().add("r", path("/files/{*rest}")).compile();
        final RouteMatch<String> match = router.match(TestRequest.get("h", path));
        assertThat(match.capture("rest")).isEqualTo(rest);
        assertThat(match.pathAfterPrefix()).isEqualTo(after);
    }

    static Stream<Arguments> catchAlls() {
        return Stream.of(
                Arguments.of("/files/a/b.txt", "a/b.txt", "/a/b.txt"),
                Arguments.of("/files/", "", "/"),
                Arguments.of("/files", "", "/"),
                Arguments.of("/files/a/", "a/", "/a/"));
    }

    @Test
    void match_regexNamedGroups_becomeCaptures() {
        final Router<String> router = new Routes()
                .add("r", regex("/v(?<ver>[0-9]+)/(?<svc>[a-z]+)(/(?<opt>x))?/.*")).compile();
        final RouteMatch<String> match = router.match(TestRequest.get("h", "/v2/users/a"));
        assertThat(match.captures()).containsExactly(Map.entry("ver", "2"), Map.entry("svc", "users"));
    }

    @Test
    void match_routeWithSeveralHosts_matchesEach() {
        final Router<String> router = new Routes().add("r", hosts(path("/a"), "a.io", "*.b.io")).compile();
        assertThat(matchId(router, TestRequest.get("a.io", "/a"))).isEqualTo("r");
        assertThat(matchId(router, TestRequest.get("x.b.io", "/a"))).isEqualTo("r");
        assertThat(matchId(router, TestRequest.get("c.io", "/a"))).isNull();
    }

    @Test
    void match_pathNotStartingWithSlash_misses() {
        final Router<String> router = new Routes().add("r", MatchSpec.any()).compile();
        assertThat(router.match(TestRequest.get("h", "*"))).isNull();
    }

    @Test
    void compile_noRoutes_matchesNothing() throws RouteCompileException {
        final Router<String> router = Router.compile(List.of());
        assertThat(router.match(TestRequest.get("h", "/"))).isNull();
        assertThat(router.size()).isZero();
    }
}
