package dev.sluice.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.upstream.health.ActiveCheckSettings.StatusRange;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ActiveCheckSettingsTest {
    @Test
    void defaults_areDocumentedValues() {
        final ActiveCheckSettings d = ActiveCheckSettings.defaults();

        assertThat(d.path()).isEqualTo("/");
        assertThat(d.host()).isNull();
        assertThat(d.interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(d.jitter()).isEqualTo(Duration.ofMillis(500));
        assertThat(d.timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(d.unhealthyThreshold()).isEqualTo(3);
        assertThat(d.healthyThreshold()).isEqualTo(2);
        assertThat(d.expectedStatuses()).containsExactly(new StatusRange(200, 399));
    }

    @Test
    void builder_intervalWithoutJitter_jitterIsTenthOfInterval() {
        assertThat(ActiveCheckSettings.builder().interval(Duration.ofMillis(50)).build().jitter())
                .isEqualTo(Duration.ofMillis(5));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"199, false", "200, true", "304, true", "399, true", "400, false", "503, false"})
    void isExpected_defaultSet_passes200To399(int status, boolean expected) {
        assertThat(ActiveCheckSettings.defaults().isExpected(status)).isEqualTo(expected);
    }

    @Test
    void isExpected_codesAndRanges_passesAnyOfThem() {
        final ActiveCheckSettings s = ActiveCheckSettings.builder()
                .expectedStatuses(List.of(StatusRange.parse("200-204"), StatusRange.parse("429"))).build();

        assertThat(s.isExpected(204)).isTrue();
        assertThat(s.isExpected(429)).isTrue();
        assertThat(s.isExpected(205)).isFalse();
        assertThat(s.isExpected(430)).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"200, 200, 200", "200-399, 200, 399", "' 500 - 504 ', 500, 504"})
    void statusRangeParse_validText_givesRange(String text, int from, int to) {
        assertThat(StatusRange.parse(text)).isEqualTo(new StatusRange(from, to));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"abc, 'status range: abc (expected: a code such as 200 or a range such as 200-399)'",
            "99, 'from: 99 (expected: 100..599)'", "400-300, 'to: 300 (expected: 400..599)'",
            "200-600, 'to: 600 (expected: 200..599)'"})
    void statusRangeParse_invalidText_namesValueAndExpectation(String text, String message) {
        assertThatThrownBy(() -> StatusRange.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                invalid("health", b -> b.path("health"),
                        "path: health (expected: starts with '/', printable ASCII without spaces)"),
                invalid("space in path", b -> b.path("/a b"),
                        "path: /a b (expected: starts with '/', printable ASCII without spaces)"),
                invalid("CRLF in host", b -> b.host("a\r\nX: y"),
                        "host: a\r\nX: y (expected: printable ASCII without spaces)"),
                invalid("zero interval", b -> b.interval(Duration.ZERO), "interval: PT0S (expected: > 0)"),
                invalid("jitter = interval", b -> b.interval(Duration.ofSeconds(1)).jitter(Duration.ofSeconds(1)),
                        "jitter: PT1S (expected: >= 0 and < interval PT1S)"),
                invalid("zero timeout", b -> b.timeout(Duration.ZERO), "timeout: PT0S (expected: > 0)"),
                invalid("unhealthyThreshold 0", b -> b.unhealthyThreshold(0),
                        "unhealthyThreshold: 0 (expected: >= 1)"),
                invalid("healthyThreshold 0", b -> b.healthyThreshold(0), "healthyThreshold: 0 (expected: >= 1)"),
                invalid("no statuses", b -> b.expectedStatuses(List.of()),
                        "expectedStatuses: [] (expected: at least one status)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void constructor_invalidValue_namesValueAndExpectation(String name,
            UnaryOperator<ActiveCheckSettings.Builder> change, String message) {
        assertThatThrownBy(() -> change.apply(ActiveCheckSettings.builder()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    private static Arguments invalid(String name, UnaryOperator<ActiveCheckSettings.Builder> change,
            String message) {
        return Arguments.of(name, change, message);
    }
}
