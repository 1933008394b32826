package dev.sluice.policy.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Validation and defaults of {@link BreakerSettings}. */
class BreakerSettingsTest {
    private static final long FIVE_SECONDS = TimeUnit.SECONDS.toNanos(5);

    @Test
    void defaults_hystrixReferenceOnATimeWindow() {
        final BreakerSettings d = BreakerSettings.defaults();

        assertThat(d).isEqualTo(new BreakerSettings(WindowKind.TIME, 10, 20, 0.5, 1.0, 0, FIVE_SECONDS, 3));
        assertThat(d.tracksSlowCalls()).isFalse();
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(new Object[] {WindowKind.COUNT, 0, 1, 0.5, 1.0, 0L, 1L, 1},
                        "windowSize: 0 (expected: 1..1000000 calls)"),
                Arguments.of(new Object[] {WindowKind.TIME, 86_401, 1, 0.5, 1.0, 0L, 1L, 1},
                        "windowSize: 86401 (expected: 1..86400 seconds)"),
                Arguments.of(new Object[] {WindowKind.TIME, 10, 0, 0.5, 1.0, 0L, 1L, 1},
                        "minimumCalls: 0 (expected: >= 1)"),
                Arguments.of(new Object[] {WindowKind.COUNT, 10, 11, 0.5, 1.0, 0L, 1L, 1},
                        "minimumCalls: 11 (expected: <= windowSize 10 for a COUNT window, which never holds more"
                                + " calls than that)"),
                Arguments.of(new Object[] {WindowKind.TIME, 10, 1, 0.0, 1.0, 0L, 1L, 1},
                        "failureRateThreshold: 0.0 (expected: 0 < x <= 1)"),
                Arguments.of(new Object[] {WindowKind.TIME, 10, 1, 1.5, 1.0, 0L, 1L, 1},
                        "failureRateThreshold: 1.5 (expected: 0 < x <= 1)"),
                Arguments.of(new Object[] {WindowKind.TIME, 10, 1, Double.NaN, 1.0, 0L, 1L, 1},
                        "failureRateThreshold: NaN (expected: 0 < x <= 1)"),
                Arguments.of(new Object[] {WindowKind.TIME, 10, 1, 0.5, -0.1, 0L, 1L, 1},
                        "slowCallRateThreshold: -0.1 (expected: 0 < x <= 1)"),
                Arguments.of(new Object[] {WindowKind.TIME, 10, 1, 0.5, 1.0, -1L, 1L, 1},
                        "slowCallNanos: -1 (expected: >= 0, 0 disables)"),
                Arguments.of(new Object[] {WindowKind.TIME, 10, 1, 0.5, 1.0, 0L, 0L, 1},
                        "openNanos: 0 (expected: >= 1)"),
                Arguments.of(new Object[] {WindowKind.TIME, 10, 1, 0.5, 1.0, 0L, 1L, 0},
                        "trialCalls: 0 (expected: 1..32767)"),
                Arguments.of(new Object[] {WindowKind.TIME, 10, 1, 0.5, 1.0, 0L, 1L, 32_768},
                        "trialCalls: 32768 (expected: 1..32767)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalid")
    void constructor_invalidValue_namesValueAndExpectation(Object[] v, String message) {
        assertThatThrownBy(() -> new BreakerSettings((WindowKind) v[0], (int) v[1], (int) v[2], (double) v[3],
                (double) v[4], (long) v[5], (long) v[6], (int) v[7]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void constructor_nullWindow_throwsNamingIt() {
        assertThatThrownBy(() -> new BreakerSettings(null, 10, 1, 0.5, 1.0, 0, 1, 1))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("window");
    }

    @Test
    void constructor_timeWindowWithMoreMinimumCallsThanSeconds_isValid() {
        assertThat(new BreakerSettings(WindowKind.TIME, 10, 100, 0.5, 1.0, 0, 1, 1).minimumCalls()).isEqualTo(100);
    }
}
