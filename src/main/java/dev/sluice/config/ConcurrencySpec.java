package dev.sluice.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * A cap on requests in flight, on a route or an upstream; excess requests wait in a bounded queue or, when it is
 * full or absent, are answered 503 with {@code Retry-After}. On an upstream the cap may be adaptive: found from
 * the latency the upstream shows, between {@code adaptive.min} and {@code max}.
 *
 * <pre>{@code
 * concurrency: { max: 200, queue: 100, queue_timeout: 1s }
 * concurrency: { max: 1000, adaptive: { initial: 100, min: 4 } }    # upstreams only
 * }</pre>
 *
 * @param max          most requests in flight (the upper bound of an adaptive limit)
 * @param queue        most requests waiting for a slot (default 0: reject at once)
 * @param queueTimeout longest wait in the queue (default 1s)
 * @param adaptive     adaptive limit settings, or {@code null} for a fixed cap
 */
public record ConcurrencySpec(int max, int queue, Duration queueTimeout, Adaptive adaptive) {
    public static final int DEFAULT_ADAPTIVE_MAX = 1000;

    public ConcurrencySpec {
        queueTimeout = queueTimeout == null ? Duration.ofSeconds(1) : queueTimeout;
    }

    /** Binding entry point: absent keys take their defaults, explicit values are kept for validation. */
    @JsonCreator
    static ConcurrencySpec fromConfig(
            @JsonProperty("max") Integer max,
            @JsonProperty("queue") Integer queue,
            @JsonProperty("queue_timeout") Duration queueTimeout,
            @JsonProperty("adaptive") Adaptive adaptive) {
        return new ConcurrencySpec(max != null ? max : adaptive != null ? DEFAULT_ADAPTIVE_MAX : 0,
                queue == null ? 0 : queue, queueTimeout, adaptive);
    }

    /**
     * The adaptive limit's settings (a gradient algorithm; see docs/concurrency-limits.md).
     *
     * @param initial   the limit to start from (default 100, or {@code max} when lower): a cold gateway must not
     *                  throttle a healthy busy upstream
     * @param min       the lowest limit (default 4, or {@code max} when lower)
     * @param tolerance how many times its baseline latency the upstream may take before the limit shrinks (1.5)
     */
    public record Adaptive(Integer initial, Integer min, Double tolerance) {
        public static final int DEFAULT_INITIAL = 100;
        public static final int DEFAULT_MIN = 4;
        public static final double DEFAULT_TOLERANCE = 1.5;

        public Adaptive {
            tolerance = tolerance == null ? DEFAULT_TOLERANCE : tolerance;
        }

        /** The initial limit given the cap {@code max}. */
        public int initialFor(int max) {
            return initial != null ? initial : Math.min(DEFAULT_INITIAL, max);
        }

        /** The lowest limit given the cap {@code max}. */
        public int minFor(int max) {
            return min != null ? min : Math.min(DEFAULT_MIN, max);
        }
    }
}
