package dev.sluice.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathNormalizerTest {

    static Stream<Arguments> normalisations() {
        return Stream.of(
                Arguments.of("/", "/"),
                Arguments.of("/a/b", "/a/b"),
                Arguments.of("/a/b/", "/a/b/"),
                Arguments.of("//a///b//", "/a/b/"),
                Arguments.of("/public/../admin", "/admin"),
                Arguments.of("/public/%2e%2e/admin", "/admin"),
                Arguments.of("/public/%2E%2e/admin", "/admin"),
                Arguments.of("/public/.%2e/admin", "/admin"),
                Arguments.of("/a/./b/.", "/a/b/"),
                Arguments.of("/a/b/..", "/a/"),
                Arguments.of("/..", "/"),
                Arguments.of("/../../a", "/a"),
                Arguments.of("/.", "/"),
                Arguments.of("/a/..b/c", "/a/..b/c"),
                Arguments.of("/a/.../c", "/a/.../c"),
                Arguments.of("/%7euser/%41%5a%30%2d%5f", "/~user/AZ0-_"),
                Arguments.of("/a%2fb", "/a%2Fb"),
                Arguments.of("/a%2Fb/../c", "/c"),
                Arguments.of("/a%2f..%2fb", "/a%2F..%2Fb"),
                Arguments.of("/%e2%82%ac", "/%E2%82%AC"),
                Arguments.of("/a?b", "/a?b"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("normalisations")
    void normalize_validPath_returnsNormalForm(final String input, final String expected) {
        assertThat(PathNormalizer.normalize(input)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"", "a/b", "/a%", "/a%4", "/a%zz", "/a%4g", "/a%00", "/a b", "/a\tb", "/a\u007fb",
        "/caf\u00e9", "/a\u0000", "/%", "*"})
    void normalize_invalidPath_returnsNull(final String input) {
        assertThat(PathNormalizer.normalize(input)).isNull();
    }

    @Test
    void normalize_null_returnsNull() {
        assertThat(PathNormalizer.normalize(null)).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/", "/a/b/c", "/api/v1/users/42/", "/a%2Fb", "/~x/y-z_.q", "/a/..b"})
    void normalize_normalPath_returnsSameInstance(final String input) {
        assertThat(PathNormalizer.normalize(input)).isSameAs(input);
    }
}
