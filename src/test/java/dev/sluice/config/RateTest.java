package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RateTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "100/s, 100, 1",
        "1000/m, 1000, 60",
        "5000/h, 5000, 3600",
        "10/S, 10, 1",
        "' 7 / sec ', 7, 1",
    })
    void parse_validText_returnsPermitsAndPeriod(String text, long permits, long periodSeconds) {
        assertThat(Rate.parse(text)).isEqualTo(new Rate(permits, Duration.ofSeconds(periodSeconds)));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"100", "/s", "100/", "0/s", "-1/s", "1.5/s", "100/d", "100/s/s", "abc/s"})
    void parse_invalidText_throwsNamingValue(String text) {
        assertThatThrownBy(() -> Rate.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("\"" + text + "\"");
    }

    @Test
    void permitsPerSecond_perMinute_isFraction() {
        assertThat(Rate.parse("30/m").permitsPerSecond()).isEqualTo(0.5);
    }

    @Test
    void toString_parsedValue_roundTrips() {
        assertThat(Rate.parse("5000/h")).hasToString("5000/h");
    }
}
