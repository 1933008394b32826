package dev.sluice.policy.breaker;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.TimeUnit;

/**
 * The immutable settings of one {@link CircuitBreaker}; the constructor rejects any value the breaker cannot honour.
 *
 * <pre>{@code
 * final BreakerSettings s = new BreakerSettings(WindowKind.COUNT, 50, 20, 0.5, 1.0, 0, TimeUnit.SECONDS.toNanos(5), 3);
 * }</pre>
 *
 * @param window                how the sliding window is measured
 * @param windowSize            the number of calls ({@link WindowKind#COUNT}) or seconds ({@link WindowKind#TIME})
 * @param minimumCalls          calls the window must hold before a rate can trip the breaker; for a count window at
 *                              most {@code windowSize}, which it could otherwise never hold
 * @param failureRateThreshold  the failure rate (0 exclusive to 1 inclusive) at or above which the breaker opens
 * @param slowCallRateThreshold the slow-call rate (0 exclusive to 1 inclusive) at or above which the breaker opens;
 *                              ignored while {@code slowCallNanos} is 0
 * @param slowCallNanos         a call taking at least this long is slow; 0 disables slow-call tripping
 * @param openNanos             how long the breaker stays open before it lets trial calls through
 * @param trialCalls            the number of trial calls in the half-open state
 */
public record BreakerSettings(WindowKind window, int windowSize, int minimumCalls, double failureRateThreshold,
        double slowCallRateThreshold, long slowCallNanos, long openNanos, int trialCalls) {
    /** The largest count window: its ring holds one byte per call. */
    public static final int MAX_COUNT_WINDOW = 1_000_000;
    /** The longest time window, in seconds (one day). */
    public static final int MAX_TIME_WINDOW_SECONDS = 86_400;
    /** The most trial calls: four trial counters share one long, see {@link CircuitBreaker}. */
    public static final int MAX_TRIAL_CALLS = (1 << 15) - 1;

    private static final BreakerSettings DEFAULTS = new BreakerSettings(WindowKind.TIME, 10, 20, 0.5, 1.0, 0,
            TimeUnit.SECONDS.toNanos(5), 3);

    /** Validates every component; messages name the value and the expectation. */
    public BreakerSettings {
        requireNonNull(window, "window");
        final int maxWindow = window == WindowKind.COUNT ? MAX_COUNT_WINDOW : MAX_TIME_WINDOW_SECONDS;
        if (windowSize < 1 || windowSize > maxWindow) {
            throw new IllegalArgumentException("windowSize: " + windowSize + " (expected: 1.." + maxWindow
                    + (window == WindowKind.COUNT ? " calls" : " seconds") + ")");
        }
        if (minimumCalls < 1) {
            throw new IllegalArgumentException("minimumCalls: " + minimumCalls + " (expected: >= 1)");
        }
        if (window == WindowKind.COUNT && minimumCalls > windowSize) {
            throw new IllegalArgumentException("minimumCalls: " + minimumCalls + " (expected: <= windowSize "
                    + windowSize + " for a COUNT window, which never holds more calls than that)");
        }
        requireRate("failureRateThreshold", failureRateThreshold);
        requireRate("slowCallRateThreshold", slowCallRateThreshold);
        if (slowCallNanos < 0) {
            throw new IllegalArgumentException("slowCallNanos: " + slowCallNanos + " (expected: >= 0, 0 disables)");
        }
        if (openNanos < 1) {
            throw new IllegalArgumentException("openNanos: " + openNanos + " (expected: >= 1)");
        }
        if (trialCalls < 1 || trialCalls > MAX_TRIAL_CALLS) {
            throw new IllegalArgumentException("trialCalls: " + trialCalls + " (expected: 1.." + MAX_TRIAL_CALLS + ")");
        }
    }

    /**
     * Returns Hystrix's proven reference figures adapted to a sliding window: a 10 s time window, trip at 50% failures
     * after at least 20 calls, slow calls not tracked, open for 5 s, then 3 trial calls.
     */
    public static BreakerSettings defaults() {
        return DEFAULTS;
    }

    /** Returns whether slow calls are tracked at all. */
    public boolean tracksSlowCalls() {
        return slowCallNanos > 0;
    }

    private static void requireRate(String name, double rate) {
        // Written so that NaN fails too.
        if (!(rate > 0 && rate <= 1)) {
            throw new IllegalArgumentException(name + ": " + rate + " (expected: 0 < x <= 1)");
        }
    }
}
