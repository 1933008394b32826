package dev.sluice.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;

/**
 * A route's retry policy.
 *
 * <pre>{@code
 * retry:
 *   attempts: 3                                     # tries in all, the first included
 *   on: [connect_failure, reset, 502, 503, 504]
 *   non_idempotent: false                           # true: retry POST/PATCH too
 *   backoff: { base: 25ms, max: 250ms }             # exponential with full jitter
 *   buffer: 64kb                                    # request body kept for replay
 * }</pre>
 *
 * @param attempts      tries in all, including the first (default 3)
 * @param on            the outcomes that are retried (default {@code [connect_failure, reset, 502, 503, 504]})
 * @param nonIdempotent also retry methods that are not idempotent (RFC 9110 section 9.2.2); a connect failure is
 *                      retried for every method regardless, since the request never left the gateway
 * @param backoff       the wait before each retry
 * @param buffer        request bodies up to this size are kept so that they can be sent again; a longer body that
 *                      already started streaming upstream is not retried (default 64kb)
 */
public record RetrySpec(int attempts, List<String> on, boolean nonIdempotent, BackoffSpec backoff, DataSize buffer) {
    public static final int DEFAULT_ATTEMPTS = 3;
    public static final List<String> DEFAULT_ON = List.of(OutcomeSet.CONNECT_FAILURE, OutcomeSet.RESET, "502", "503",
            "504");
    public static final DataSize DEFAULT_BUFFER = DataSize.ofBytes(64 * 1024);

    public RetrySpec {
        on = on == null ? DEFAULT_ON : List.copyOf(on);
        backoff = backoff == null ? BackoffSpec.defaults() : backoff;
        buffer = buffer == null ? DEFAULT_BUFFER : buffer;
    }

    /** Binding entry point: absent keys take their defaults, explicit values are kept for validation. */
    @JsonCreator
    static RetrySpec fromConfig(
            @JsonProperty("attempts") Integer attempts,
            @JsonProperty("on") List<String> on,
            @JsonProperty("non_idempotent") Boolean nonIdempotent,
            @JsonProperty("backoff") BackoffSpec backoff,
            @JsonProperty("buffer") DataSize buffer) {
        return new RetrySpec(attempts == null ? DEFAULT_ATTEMPTS : attempts, on,
                nonIdempotent != null && nonIdempotent, backoff, buffer);
    }

    /**
     * Exponential back-off with full jitter: before retry n (1, 2, ...) the wait is uniform in
     * {@code [0, min(max, base * 2^(n-1))]}.
     *
     * @param base the first retry's upper bound (default 25ms)
     * @param max  the cap (default 250ms)
     */
    public record BackoffSpec(Duration base, Duration max) {
        public static final Duration DEFAULT_BASE = Duration.ofMillis(25);
        public static final Duration DEFAULT_MAX = Duration.ofMillis(250);

        public BackoffSpec {
            base = base == null ? DEFAULT_BASE : base;
            max = max == null ? DEFAULT_MAX : max;
        }

        public static BackoffSpec defaults() {
            return new BackoffSpec(null, null);
        }
    }
}
