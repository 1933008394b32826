package dev.sluice.routing;

import static dev.sluice.routing.Routes.headers;
import static dev.sluice.routing.Routes.hosts;
import static dev.sluice.routing.Routes.methods;
import static dev.sluice.routing.Routes.path;
import static dev.sluice.routing.Routes.prefix;
import static dev.sluice.routing.Routes.regex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.config.MatchSpec;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RouterCompileTest {

    private static List<String> problems(final Routes routes) {
        final RouteCompileException e = catchThrowableOfType(RouteCompileException.class,
                () -> Router.compile(routes.definitions()));
        assertThat(e).as("compile must fail").isNotNull();
        return e.problems();
    }

    static Stream<Arguments> badRoutes() {
        return Stream.of(
                Arguments.of("unclosed capture", path("/users/{id"),
                        "routes[0].match.path: template segment \"{id\" is not closed"),
                Arguments.of("partial-segment capture", path("/users/a{id}"),
                        "routes[0].match.path: template segment \"a{id}\" must be a whole-segment capture"),
                Arguments.of("empty capture name", path("/users/{}"),
                        "routes[0].match.path: capture name \"\" in \"{}\" is not valid"),
                Arguments.of("duplicate capture name", path("/{id}/{id}"),
                        "routes[0].match.path: capture name \"id\" is used twice"),
                Arguments.of("catch-all not last", path("/{*rest}/x"),
                        "routes[0].match.path: catch-all \"{*rest}\" must be the last segment"),
                Arguments.of("catch-all in prefix", prefix("/a/{*rest}"),
                        "routes[0].match.path_prefix: catch-all \"{*rest}\" is not allowed in path_prefix"),
                Arguments.of("relative path", path("users"),
                        "routes[0].match.path: \"users\" must start with '/'"),
                Arguments.of("non-normal path", path("/a//b/../c"),
                        "routes[0].match.path: \"/a//b/../c\" is not normalised (expected: \"/a/c\")"),
                Arguments.of("bad regex", regex("/a(["),
                        "routes[0].match.path_regex: invalid regex \"/a([\""),
                Arguments.of("bad header regex", headers(path("/a"), Map.of("X", "~(")),
                        "routes[0].match.headers.X: invalid regex \"(\""),
                Arguments.of("two path kinds", new MatchSpec(null, "/a", "/b", null, null, null, null),
                        "routes[0].match: at most one of path, path_prefix and path_regex may be set"),
                Arguments.of("host with port", hosts(path("/a"), "a.io:8080"),
                        "routes[0].match.hosts[0]: \"a.io:8080\" must not contain a port"),
                Arguments.of("bare wildcard", hosts(path("/a"), "*."),
                        "routes[0].match.hosts[0]: \"*.\" has no domain after \"*.\""),
                Arguments.of("bad method", methods(path("/a"), "GE T"),
                        "routes[0].match.methods[0]: \"GE T\" is not a method token"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRoutes")
    void compile_invalidRoute_reportsProblemWithPath(final String name, final MatchSpec spec,
            final String expected) {
        assertThat(problems(new Routes().add("r", spec))).singleElement().asString().startsWith(expected);
    }

    @Test
    void compile_problemsInTwoRoutes_reportsBothWithIndexes() {
        final List<String> problems = problems(new Routes()
                .add("ok", path("/ok"))
                .add("bad-template", path("/users/{id"))
                .add("also-ok", prefix("/x"))
                .add("bad-regex", regex("[")));
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).isEqualTo("routes[1].match.path: template segment \"{id\" is not closed");
        assertThat(problems.get(1)).startsWith("routes[3].match.path_regex: invalid regex \"[\"");
    }

    @Test
    void compile_severalProblemsInOneRoute_reportsAll() {
        final List<String> problems = problems(new Routes()
                .add("r", hosts(methods(path("/{a/{b"), "G@T"), "x:1")));
        assertThat(problems).hasSize(4);
    }

    @Test
    void compile_duplicateId_reportsBothIndexes() {
        final List<String> problems = problems(new Routes().add("r", path("/a")).add("r", path("/b")));
        assertThat(problems).containsExactly("routes[1].id: \"r\" is already used by routes[0]");
    }

    @Test
    void exception_message_listsProblems() {
        final RouteCompileException e = catchThrowableOfType(RouteCompileException.class,
                () -> Router.compile(new Routes().add("r", path("/{x")).definitions()));
        assertThat(e).hasMessageContaining("1 route problem(s)").hasMessageContaining("routes[0].match.path");
    }
}
