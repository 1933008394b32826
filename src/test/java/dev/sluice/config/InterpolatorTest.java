package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class InterpolatorTest {
    private final Interpolator interpolator = new Interpolator(Map.of("A", "1", "EMPTY", "")::get);

    @Test
    void interpolate_setVariable_isReplaced() {
        assertThat(interpolator.interpolate("x${A}y", "p")).isEqualTo("x1y");
        assertThat(interpolator.apply(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()))
                .isEmpty();
    }

    @Test
    void interpolate_unsetWithDefault_usesDefault() {
        assertThat(interpolator.interpolate("${B:fallback:with:colons}", "p")).isEqualTo("fallback:with:colons");
    }

    @Test
    void interpolate_emptyVariable_keepsEmptyNotDefault() {
        assertThat(interpolator.interpolate("[${EMPTY:d}]", "p")).isEqualTo("[]");
    }

    @Test
    void interpolate_doubleDollar_isLiteral() {
        assertThat(interpolator.interpolate("$${A} costs $5", "p")).isEqualTo("${A} costs $5");
    }

    @Test
    void interpolate_unsetWithoutDefault_reportsAtPath() {
        interpolator.interpolate("${NOPE}", "server.listen");

        assertThat(interpolator.apply(com.fasterxml.jackson.databind.node.NullNode.getInstance()))
                .extracting(Object::toString)
                .containsExactly("server.listen: environment variable NOPE is not set");
    }

    @Test
    void interpolate_unterminated_reportsSyntax() {
        interpolator.interpolate("${A", "p");

        assertThat(interpolator.apply(com.fasterxml.jackson.databind.node.NullNode.getInstance()))
                .singleElement().asString().startsWith("p: unterminated \"${\"");
    }

    @Test
    void interpolate_invalidName_reportsSyntax() {
        interpolator.interpolate("${1A}", "p");

        assertThat(interpolator.apply(com.fasterxml.jackson.databind.node.NullNode.getInstance()))
                .singleElement().asString().startsWith("p: \"${1A}\" is not a variable reference");
    }
}
