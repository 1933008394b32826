package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigScalarsTest {
    @ParameterizedTest(name = "{0} = {1}ns")
    @CsvSource({
        "250ms, 250000000",
        "5s, 5000000000",
        "1m, 60000000000",
        "2h, 7200000000000",
        "1.5s, 1500000000",
        "1m30s, 90000000000",
        "0.5ms, 500000",
        "' 10s ', 10000000000",
    })
    void parseDuration_validText_returnsDuration(String text, long nanos) {
        assertThat(ConfigScalars.parseDuration(text)).isEqualTo(Duration.ofNanos(nanos));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"5", "-1s", "5 parsecs", "", "s", "1.s", ".5s", "1..5s", "5d", "1e3s", "9999999999999h",
        "0.0000000001s", "5S", "1 s"})
    void parseDuration_invalidText_throwsWithHint(String text) {
        assertThatThrownBy(() -> ConfigScalars.parseDuration(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("\"" + text + "\"");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"5", "-1s", "5 parsecs"})
    void parseDuration_commonMistakes_nameTheExpectedSyntax(String text) {
        assertThatThrownBy(() -> ConfigScalars.parseDuration(text))
                .hasMessageEndingWith("(expected a duration like 250ms, 5s, 1m)");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"250ms", "5s", "1m30s", "2h", "1h1m1s1ms", "0.5ms"})
    void formatDuration_parsedValue_roundTrips(String text) {
        final Duration duration = ConfigScalars.parseDuration(text);

        assertThat(ConfigScalars.parseDuration(ConfigScalars.formatDuration(duration))).isEqualTo(duration);
    }
}
