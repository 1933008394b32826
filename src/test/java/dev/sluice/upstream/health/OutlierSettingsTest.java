package dev.sluice.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OutlierSettingsTest {
    @Test
    void defaults_areDocumentedValues() {
        final OutlierSettings d = OutlierSettings.defaults();

        assertThat(d.consecutiveFailures()).isEqualTo(5);
        assertThat(d.isFailureRateEnabled()).isFalse();
        assertThat(d.minimumRequests()).isEqualTo(20);
        assertThat(d.interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.baseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.maxEjectionTime()).isEqualTo(Duration.ofSeconds(300));
        assertThat(d.maxEjectionPercent()).isEqualTo(50);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                invalid("negative failures", b -> b.consecutiveFailures(-1),
                        "consecutiveFailures: -1 (expected: >= 0, 0 to disable)"),
                invalid("rate 101", b -> b.failureRate(101, 20),
                        "failureRateThreshold: 101 (expected: 0..100 percent, 0 to disable)"),
                invalid("minimum 0", b -> b.failureRate(50, 0), "minimumRequests: 0 (expected: >= 1)"),
                invalid("zero interval", b -> b.interval(Duration.ZERO), "interval: PT0S (expected: > 0)"),
                invalid("negative base", b -> b.baseEjectionTime(Duration.ofSeconds(-1)),
                        "baseEjectionTime: PT-1S (expected: > 0)"),
                invalid("max below base", b -> b.maxEjectionTime(Duration.ofSeconds(10)),
                        "maxEjectionTime: PT10S (expected: >= baseEjectionTime PT30S)"),
                invalid("percent 101", b -> b.maxEjectionPercent(101),
                        "maxEjectionPercent: 101 (expected: 0..100)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void constructor_invalidValue_namesValueAndExpectation(String name, UnaryOperator<OutlierSettings.Builder> change,
            String message) {
        assertThatThrownBy(() -> change.apply(OutlierSettings.builder()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    private static Arguments invalid(String name, UnaryOperator<OutlierSettings.Builder> change, String message) {
        return Arguments.of(name, change, message);
    }
}
