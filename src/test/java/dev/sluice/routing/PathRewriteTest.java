package dev.sluice.routing;

import static dev.sluice.routing.Routes.path;
import static dev.sluice.routing.Routes.regex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathRewriteTest {

    @Test
    void apply_templateCaptures_substitutesThem() {
        final Router<String> router = new Routes().add("r", path("/users/{id}/{*rest}")).compile();
        final RouteMatch<String> match = router.match(TestRequest.get("h", "/users/42/a/b"));
        assertThat(PathRewrite.compile("/v2/u/{id}/{rest}").apply(match)).isEqualTo("/v2/u/42/a/b");
    }

    @Test
    void apply_missingCapture_substitutesEmpty() {
        final Router<String> router = new Routes().add("r", regex("/a(?<opt>/x)?")).compile();
        final RouteMatch<String> match = router.match(TestRequest.get("h", "/a"));
        assertThat(PathRewrite.compile("/b{opt}").apply(match)).isEqualTo("/b");
    }

    @Test
    void apply_noVariables_returnsTemplate() {
        final RouteMatch<String> match = new Routes().add("r", path("/a")).compile().match(TestRequest.get("h", "/a"));
        assertThat(PathRewrite.compile("/fixed").apply(match)).isEqualTo("/fixed");
    }

    @Test
    void variables_template_listsNamesInOrder() {
        assertThat(PathRewrite.compile("/{b}/{a}/{b}").variables()).containsExactly("b", "a");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "v2/{id}   | must start with '/'",
        "/a/{id    | '{' at index 3 is not closed",
        "/a/{{id}} | '{' at index 3 is not closed",
        "/a/id}    | '}' at index 5 without a matching '{'",
        "/a/{1x}   | variable \"1x\" is not a valid name",
        "/a/{}     | variable \"\" is not a valid name"})
    void compile_malformedTemplate_throwsWithClearMessage(final String template, final String message) {
        assertThatThrownBy(() -> PathRewrite.compile(template))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(template)
                .hasMessageContaining(message);
    }
}
