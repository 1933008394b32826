package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The small value types of the resilience settings: outcomes, status sets, percentages, breaker windows. */
class OutcomeSetTest {
    @Test
    void parse_mixedTokens_setsKindsAndStatuses() {
        final OutcomeSet set = OutcomeSet.parse(List.of("connect_failure", "TIMEOUT", "5xx", "429", "400-402"));
        assertThat(set.connectFailure()).isTrue();
        assertThat(set.timeout()).isTrue();
        assertThat(set.reset()).isFalse();
        assertThat(set.statuses().codes()).contains(429, 400, 401, 402, 500, 599).doesNotContain(403, 499, 600);
    }

    @Test
    void parse_badToken_namesIt() {
        assertThatThrownBy(() -> OutcomeSet.parse(List.of("reset", "oops")))
                .hasMessageStartingWith("\"oops\" is not an outcome");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "5xx     | 500 | 599",
        "503     | 503 | 503",
        "500-504 | 500 | 504",
        "1xx     | 100 | 199",
    })
    void statusSet_token_coversExactlyItsRange(String token, int from, int to) {
        final StatusSet set = StatusSet.parse(token);
        assertThat(set.contains(from - 1)).isFalse();
        assertThat(set.contains(from)).isTrue();
        assertThat(set.contains(to)).isTrue();
        assertThat(set.contains(to + 1)).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "6xx       | is not a status",
        "99        | is not a status",
        "504-500   | is an empty range",
        "abc       | is not a status",
        "'500-6000' | is not a status",
    })
    void statusSet_badToken_isRefused(String token, String fragment) {
        assertThatThrownBy(() -> StatusSet.parse(token)).hasMessageContaining(fragment);
    }

    @Test
    void statusSet_equality_followsTheCodesNotTheSpelling() {
        assertThat(StatusSet.parse(List.of("500-504"))).isEqualTo(StatusSet.parse(List.of("500", "501", "502-504")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "50%    | 0.5",
        "12.5%  | 0.125",
        "100    | 1.0",
        "' 0% ' | 0.0",
    })
    void percent_parse(String text, double fraction) {
        assertThat(Percent.parse(text).fraction()).isEqualTo(fraction);
    }

    @Test
    void percent_garbage_isRefused() {
        assertThatThrownBy(() -> Percent.parse("lots")).hasMessage("\"lots\" is not a percentage (expected e.g. 50%"
                + " or 12.5%)");
    }

    @Test
    void breakerWindow_numberIsCalls_durationIsTime() {
        assertThat(BreakerWindow.parse("20")).isEqualTo(new BreakerWindow(20, null));
        assertThat(BreakerWindow.parse("10s")).isEqualTo(new BreakerWindow(0, Duration.ofSeconds(10)));
        assertThat(BreakerWindow.parse("10s").isTimeBased()).isTrue();
        assertThatThrownBy(() -> BreakerWindow.parse("soon")).hasMessageContaining("is not a window");
    }
}
