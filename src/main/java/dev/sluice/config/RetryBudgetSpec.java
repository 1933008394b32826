package dev.sluice.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How much retries may add to an upstream's load: at any moment, retries in flight may be at most {@code percent}
 * of the requests in flight to the upstream, or {@code min_concurrency}, whichever is larger (Envoy's retry
 * budget). This keeps retries from multiplying an outage.
 *
 * @param percent        share of the active requests that may be retries (default 20%)
 * @param minConcurrency retries always allowed in flight, so a quiet upstream can still retry (default 3)
 */
public record RetryBudgetSpec(Percent percent, int minConcurrency) {
    public static final Percent DEFAULT_PERCENT = Percent.of(20);
    public static final int DEFAULT_MIN_CONCURRENCY = 3;

    public RetryBudgetSpec {
        percent = percent == null ? DEFAULT_PERCENT : percent;
    }

    public static RetryBudgetSpec defaults() {
        return new RetryBudgetSpec(DEFAULT_PERCENT, DEFAULT_MIN_CONCURRENCY);
    }

    /** Binding entry point: absent keys take their defaults, explicit values are kept for validation. */
    @JsonCreator
    static RetryBudgetSpec fromConfig(@JsonProperty("percent") Percent percent,
            @JsonProperty("min_concurrency") Integer minConcurrency) {
        return new RetryBudgetSpec(percent, minConcurrency == null ? DEFAULT_MIN_CONCURRENCY : minConcurrency);
    }
}
