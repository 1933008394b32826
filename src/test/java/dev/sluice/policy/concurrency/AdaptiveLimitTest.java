package dev.sluice.policy.concurrency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.sluice.testing.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The adaptive limit driven window by window with synthetic samples and a fake clock: each window feeds
 * {@link #SAMPLES} samples of one latency, then moves the clock past the window and feeds one more sample, which
 * closes the window.
 */
class AdaptiveLimitTest {
    private static final int SAMPLES = 50;
    private static final long WINDOW_MS = AdaptiveLimit.Settings.defaults().window().toMillis();
    private static final IntUnaryOperator FULL = limit -> limit;
    private static final IntUnaryOperator APP_LIMITED = limit -> 5;

    private final FakeTicker ticker = new FakeTicker(1_000_000_000L);
    private AdaptiveLimit limit = new AdaptiveLimit(AdaptiveLimit.Settings.defaults(), ticker);

    @Test
    void onSample_steadyLatencyFullUtilisation_growsMonotonicallyToMax() {
        int previous = limit.limit();
        for (int w = 0; w < 400; w++) {
            window(10, FULL, 0);
            assertThat(limit.limit()).isGreaterThanOrEqualTo(previous);
            previous = limit.limit();
        }

        assertThat(limit.limit()).isEqualTo(1_000);
    }

    @Test
    void onSample_latencyStepUp_lowersLimitEveryWindowBelowThreeQuartersWithinFive() {
        windows(50, 10, FULL);
        final int before = limit.limit();

        int previous = before;
        for (int w = 0; w < 5; w++) {
            window(200, FULL, 0);
            assertThat(limit.limit()).isLessThan(previous);
            previous = limit.limit();
        }

        assertThat(limit.limit()).isLessThan(before * 3 / 4);
    }

    @Test
    void onSample_latencyRecovers_raisesLimitAgain() {
        windows(50, 10, FULL);
        windows(20, 200, FULL);
        final int trough = limit.limit();

        windows(50, 10, FULL);

        assertThat(limit.limit()).isGreaterThan(trough * 3 / 2);
    }

    @Test
    void onSample_sustainedSlowdown_driftsBackUpOnceTheBaselineAbsorbsIt() {
        windows(50, 10, FULL);
        windows(20, 200, FULL);
        final int trough = limit.limit();

        // Two long windows at the new latency: the baseline follows it and the gradient returns to 1.
        windows(1_200, 200, FULL);

        assertThat(limit.limit()).isGreaterThan(trough * 2);
    }

    @Test
    void onSample_newSlowdownSoonAfterRecoveringFromDrift_lowersLimitAgain() {
        windows(50, 10, FULL);
        windows(1_200, 200, FULL); // absorbed: the baseline is now ~200 ms
        windows(100, 10, FULL); // ten seconds of recovery: the baseline must come back down, not take minutes
        final int before = limit.limit();

        windows(5, 200, FULL);

        assertThat(limit.limit()).isLessThan(before * 3 / 4);
    }

    @Test
    void onSample_appLimited_doesNotGrow() {
        windows(300, 10, APP_LIMITED);

        assertThat(limit.limit()).isEqualTo(100);
    }

    @Test
    void onSample_appLimitedLatencyStepUp_stillLowers() {
        windows(50, 10, APP_LIMITED);

        windows(5, 200, APP_LIMITED);

        assertThat(limit.limit()).isLessThan(100);
    }

    @Test
    void onSample_dropsAboveThreshold_cutByBackoffRatio() {
        window(10, FULL, 5); // 5 of 51 samples dropped: ~10%, far above 1%

        assertThat(limit.limit()).isEqualTo(90);
    }

    @Test
    void onSample_dropsBelowThreshold_doNotCut() {
        final AdaptiveLimit busy = new AdaptiveLimit(AdaptiveLimit.Settings.defaults(), ticker);
        for (int i = 0; i < 1_000; i++) {
            busy.onSample(ms(10), busy.limit(), i == 0); // 1 of 1001 dropped: 0.1%
        }
        ticker.advanceMillis(WINDOW_MS);
        busy.onSample(ms(10), busy.limit(), false);

        assertThat(busy.limit()).isGreaterThan(100);
    }

    @Test
    void onSample_sustainedDrops_stopAtMin() {
        for (int w = 0; w < 100; w++) {
            window(10, FULL, SAMPLES);
        }

        assertThat(limit.limit()).isEqualTo(4);
    }

    @Test
    void onSample_severeSlowdown_stopsAtMin() {
        final AdaptiveLimit.Settings d = AdaptiveLimit.Settings.defaults();
        limit = new AdaptiveLimit(new AdaptiveLimit.Settings(100, 10, 200, d.window(), d.minWindowSamples(),
                d.longWindow(), d.tolerance(), d.smoothing(), d.backoffRatio(), d.dropThreshold()), ticker);
        windows(10, 10, FULL);

        windows(60, 10_000, FULL);

        assertThat(limit.limit()).isEqualTo(10);
    }

    @Test
    void onSample_beforeWindowEnds_keepsLimit() {
        for (int i = 0; i < 10_000; i++) {
            limit.onSample(ms(1), limit.limit(), true);
        }
        ticker.advanceMillis(WINDOW_MS - 1);
        limit.onSample(ms(1), limit.limit(), true);

        assertThat(limit.limit()).isEqualTo(100);
    }

    @Test
    void onSample_quietWindow_extendsUntilMinSamples() {
        ticker.advanceMillis(WINDOW_MS * 10);
        for (int i = 0; i < 9; i++) {
            limit.onSample(ms(1), limit.limit(), true);
        }
        assertThat(limit.limit()).isEqualTo(100);

        limit.onSample(ms(1), limit.limit(), true);

        assertThat(limit.limit()).isEqualTo(90);
    }

    @Test
    void onSample_concurrentThreadsAtSteadyLatency_growToMaxWithinBounds() throws Exception {
        final AdaptiveLimit.Settings settings = new AdaptiveLimit.Settings(10, 4, 50, Duration.ofMillis(100), 10,
                Duration.ofSeconds(10), 1.5, 0.2, 0.9, 0.01);
        final AdaptiveLimit shared = new AdaptiveLimit(settings, ticker);
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final CountDownLatch start = new CountDownLatch(1);
            final List<Future<Integer>> highest = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final boolean clock = t == 0;
                highest.add(pool.submit(() -> {
                    start.await();
                    int max = 0;
                    for (int i = 0; i < 50_000; i++) {
                        if (clock && i % 100 == 0) {
                            ticker.advanceMillis(WINDOW_MS);
                        }
                        shared.onSample(ms(10), shared.limit(), false);
                        max = Math.max(max, shared.limit());
                    }
                    return max;
                }));
            }
            start.countDown();
            for (final Future<Integer> h : highest) {
                assertThat(h.get(60, TimeUnit.SECONDS)).isLessThanOrEqualTo(50);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(shared.limit()).isEqualTo(50);
    }

    static Stream<Arguments> invalidSettings() {
        final Duration w = Duration.ofMillis(100);
        final Duration lw = Duration.ofMinutes(1);
        return Stream.of(
                Arguments.of("minLimit: 0 (expected: >= 1)",
                        (Runnable) () -> new AdaptiveLimit.Settings(1, 0, 10, w, 10, lw, 1.5, 0.2, 0.9, 0.01)),
                Arguments.of("maxLimit: 3 (expected: >= minLimit 4)",
                        (Runnable) () -> new AdaptiveLimit.Settings(4, 4, 3, w, 10, lw, 1.5, 0.2, 0.9, 0.01)),
                Arguments.of("initialLimit: 11 (expected: between minLimit 1 and maxLimit 10)",
                        (Runnable) () -> new AdaptiveLimit.Settings(11, 1, 10, w, 10, lw, 1.5, 0.2, 0.9, 0.01)),
                Arguments.of("window: PT0S (expected: > 0)",
                        (Runnable) () -> new AdaptiveLimit.Settings(1, 1, 10, Duration.ZERO, 10, lw, 1.5, 0.2, 0.9,
                                0.01)),
                Arguments.of("minWindowSamples: 0 (expected: >= 1)",
                        (Runnable) () -> new AdaptiveLimit.Settings(1, 1, 10, w, 0, lw, 1.5, 0.2, 0.9, 0.01)),
                Arguments.of("longWindow: PT0.1S (expected: >= 2 * window PT0.1S)",
                        (Runnable) () -> new AdaptiveLimit.Settings(1, 1, 10, w, 10, w, 1.5, 0.2, 0.9, 0.01)),
                Arguments.of("tolerance: 0.9 (expected: >= 1.0 and finite)",
                        (Runnable) () -> new AdaptiveLimit.Settings(1, 1, 10, w, 10, lw, 0.9, 0.2, 0.9, 0.01)),
                Arguments.of("smoothing: NaN (expected: > 0 and <= 1)",
                        (Runnable) () -> new AdaptiveLimit.Settings(1, 1, 10, w, 10, lw, 1.5, Double.NaN, 0.9, 0.01)),
                Arguments.of("backoffRatio: 1.0 (expected: > 0 and < 1)",
                        (Runnable) () -> new AdaptiveLimit.Settings(1, 1, 10, w, 10, lw, 1.5, 0.2, 1.0, 0.01)),
                Arguments.of("dropThreshold: -0.1 (expected: >= 0 and < 1)",
                        (Runnable) () -> new AdaptiveLimit.Settings(1, 1, 10, w, 10, lw, 1.5, 0.2, 0.9, -0.1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSettings")
    void settings_invalidValue_rejectedWithValueAndExpectation(String message, Runnable construct) {
        assertThatIllegalArgumentException().isThrownBy(construct::run).withMessage(message);
    }

    @Test
    void settings_defaults_startAtInitialLimit() {
        assertThat(limit.limit()).isEqualTo(AdaptiveLimit.Settings.defaults().initialLimit());
    }

    private void windows(int count, long rttMillis, IntUnaryOperator inFlight) {
        for (int w = 0; w < count; w++) {
            window(rttMillis, inFlight, 0);
        }
    }

    /** One window of {@link #SAMPLES} samples, {@code dropped} of them drops, then the sample that closes it. */
    private void window(long rttMillis, IntUnaryOperator inFlight, int dropped) {
        for (int i = 0; i < SAMPLES; i++) {
            limit.onSample(ms(rttMillis), inFlight.applyAsInt(limit.limit()), i < dropped);
        }
        ticker.advanceMillis(WINDOW_MS);
        limit.onSample(ms(rttMillis), inFlight.applyAsInt(limit.limit()), false);
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
