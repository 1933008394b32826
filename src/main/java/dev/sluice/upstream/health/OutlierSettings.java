package dev.sluice.upstream.health;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Passive health (outlier detection) settings of one upstream; see {@code docs/health-checks.md}.
 *
 * <pre>{@code
 * final OutlierSettings settings = OutlierSettings.builder()
 *         .consecutiveFailures(5)
 *         .failureRate(50, 20)                 // eject at >= 50% failures of >= 20 requests in an interval
 *         .build();
 * }</pre>
 *
 * @param consecutiveFailures  failures in a row that eject an endpoint; 0 disables this trigger
 * @param failureRateThreshold percentage (1..100) of failed requests within one interval that ejects an endpoint;
 *                             0 disables this trigger
 * @param minimumRequests      requests an endpoint must have had in the interval for its failure rate to count
 * @param interval             how often failure rates are evaluated, and how long an endpoint must stay in
 *                             (unejected) for its ejection multiplier to drop by one
 * @param baseEjectionTime     ejection time of a first offence; the n-th consecutive offence gets n times this
 * @param maxEjectionTime      the longest an ejection lasts, however often the endpoint offended
 * @param maxEjectionPercent   at most {@code floor(endpoints * percent / 100)} endpoints of the upstream are ejected
 *                             at once; 100 allows ejecting all of them
 */
public record OutlierSettings(int consecutiveFailures, int failureRateThreshold, int minimumRequests,
        Duration interval, Duration baseEjectionTime, Duration maxEjectionTime, int maxEjectionPercent) {

    /** Validates every component. */
    public OutlierSettings {
        if (consecutiveFailures < 0) {
            throw new IllegalArgumentException("consecutiveFailures: " + consecutiveFailures
                    + " (expected: >= 0, 0 to disable)");
        }
        if (failureRateThreshold < 0 || failureRateThreshold > 100) {
            throw new IllegalArgumentException("failureRateThreshold: " + failureRateThreshold
                    + " (expected: 0..100 percent, 0 to disable)");
        }
        if (minimumRequests < 1) {
            throw new IllegalArgumentException("minimumRequests: " + minimumRequests + " (expected: >= 1)");
        }
        requirePositive("interval", interval);
        requirePositive("baseEjectionTime", baseEjectionTime);
        requirePositive("maxEjectionTime", maxEjectionTime);
        if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
            throw new IllegalArgumentException("maxEjectionTime: " + maxEjectionTime
                    + " (expected: >= baseEjectionTime " + baseEjectionTime + ")");
        }
        if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
            throw new IllegalArgumentException("maxEjectionPercent: " + maxEjectionPercent + " (expected: 0..100)");
        }
    }

    /** Returns Envoy-like defaults: 5 consecutive failures, no failure-rate trigger, 30 s to 300 s, at most 50%. */
    public static OutlierSettings defaults() {
        return builder().build();
    }

    /** Returns a builder that starts from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns whether the failure-rate trigger is on. */
    public boolean isFailureRateEnabled() {
        return failureRateThreshold > 0;
    }

    private static void requirePositive(String name, Duration value) {
        requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
    }

    /** Builds {@link OutlierSettings}; each setter overrides one default. */
    public static final class Builder {
        private int consecutiveFailures = 5;
        private int failureRateThreshold;
        // Envoy's failure_percentage_request_volume is 50 per 10 s; 20 lets modest upstreams use the trigger too.
        private int minimumRequests = 20;
        private Duration interval = Duration.ofSeconds(10);
        private Duration baseEjectionTime = Duration.ofSeconds(30);
        private Duration maxEjectionTime = Duration.ofSeconds(300);
        private int maxEjectionPercent = 50;

        private Builder() {
        }

        public Builder consecutiveFailures(int failures) {
            this.consecutiveFailures = failures;
            return this;
        }

        /** Ejects at {@code thresholdPercent}% failures or more, of at least {@code minimum} requests per interval. */
        public Builder failureRate(int thresholdPercent, int minimum) {
            this.failureRateThreshold = thresholdPercent;
            this.minimumRequests = minimum;
            return this;
        }

        public Builder interval(Duration value) {
            this.interval = value;
            return this;
        }

        public Builder baseEjectionTime(Duration value) {
            this.baseEjectionTime = value;
            return this;
        }

        public Builder maxEjectionTime(Duration value) {
            this.maxEjectionTime = value;
            return this;
        }

        public Builder maxEjectionPercent(int percent) {
            this.maxEjectionPercent = percent;
            return this;
        }

        /** Validates and returns the settings. */
        public OutlierSettings build() {
            return new OutlierSettings(consecutiveFailures, failureRateThreshold, minimumRequests, interval,
                    baseEjectionTime, maxEjectionTime, maxEjectionPercent);
        }
    }
}
