package dev.sluice.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;

/**
 * An upstream's health checks: active probes, passive outlier detection, or both. Balancers pick only healthy
 * endpoints; when none is healthy the upstream answers 503, unless the healthy share is below the panic threshold,
 * in which case every endpoint is used (better some errors than none served).
 *
 * <pre>{@code
 * health_check:
 *   active:  { path: /health, interval: 5s, timeout: 2s, healthy_threshold: 2, unhealthy_threshold: 3 }
 *   passive: { consecutive_failures: 5, base_ejection_time: 30s, max_ejection_percent: 50% }
 *   panic_threshold: 0%
 * }</pre>
 *
 * @param active         active probes, or {@code null}
 * @param passive        outlier detection from live traffic, or {@code null}
 * @param panicThreshold when fewer than this share of endpoints is healthy, all are used (default 0%: never)
 */
public record HealthCheckSpec(Active active, Passive passive, Percent panicThreshold) {
    public HealthCheckSpec {
        panicThreshold = panicThreshold == null ? Percent.ZERO : panicThreshold;
    }

    /**
     * Active HTTP probes, sent to every endpoint off the request path.
     *
     * @param path               the probe path (required)
     * @param interval           time between probes of one endpoint (default 5s), with jitter
     * @param timeout            time allowed for connect and response head (default 2s)
     * @param expectedStatuses   statuses that pass (default 200-399)
     * @param healthyThreshold   consecutive passes that readmit an endpoint (default 2)
     * @param unhealthyThreshold consecutive failures that take it out (default 3)
     * @param host               Host header of the probe (default: the endpoint's host:port)
     */
    public record Active(String path, Duration interval, Duration timeout, List<String> expectedStatuses,
            int healthyThreshold, int unhealthyThreshold, String host) {
        public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
        public static final List<String> DEFAULT_EXPECTED = List.of("200-399");

        public Active {
            interval = interval == null ? DEFAULT_INTERVAL : interval;
            timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
            expectedStatuses = expectedStatuses == null ? DEFAULT_EXPECTED : List.copyOf(expectedStatuses);
        }

        /** Binding entry point: absent keys take their defaults, explicit values are kept for validation. */
        @JsonCreator
        static Active fromConfig(
                @JsonProperty("path") String path,
                @JsonProperty("interval") Duration interval,
                @JsonProperty("timeout") Duration timeout,
                @JsonProperty("expected_statuses") List<String> expectedStatuses,
                @JsonProperty("healthy_threshold") Integer healthyThreshold,
                @JsonProperty("unhealthy_threshold") Integer unhealthyThreshold,
                @JsonProperty("host") String host) {
            return new Active(path, interval, timeout, expectedStatuses, healthyThreshold == null ? 2 : healthyThreshold,
                    unhealthyThreshold == null ? 3 : unhealthyThreshold, host);
        }
    }

    /**
     * Passive outlier detection: endpoints that fail live traffic are ejected for a while.
     *
     * @param consecutiveFailures failures in a row that eject (default 5)
     * @param failureRate         failure share over {@code interval} that ejects; {@code null} disables it
     * @param minimumRequests     requests in the interval before the failure rate is judged (default 20)
     * @param interval            the failure-rate window (default 10s)
     * @param baseEjectionTime    the first ejection's length; the n-th lasts n times as long (default 30s)
     * @param maxEjectionTime     the longest ejection (default 300s)
     * @param maxEjectionPercent  most endpoints that may be ejected at once (default 50%)
     * @param failureOn           the outcomes that count as failures (default 5xx and gateway-side failures)
     */
    public record Passive(int consecutiveFailures, Percent failureRate, int minimumRequests, Duration interval,
            Duration baseEjectionTime, Duration maxEjectionTime, Percent maxEjectionPercent, List<String> failureOn) {
        public Passive {
            interval = interval == null ? Duration.ofSeconds(10) : interval;
            baseEjectionTime = baseEjectionTime == null ? Duration.ofSeconds(30) : baseEjectionTime;
            maxEjectionTime = maxEjectionTime == null ? Duration.ofSeconds(300) : maxEjectionTime;
            maxEjectionPercent = maxEjectionPercent == null ? Percent.of(50) : maxEjectionPercent;
            failureOn = failureOn == null ? CircuitBreakerSpec.DEFAULT_FAILURE_ON : List.copyOf(failureOn);
        }

        /** Binding entry point: absent keys take their defaults, explicit values are kept for validation. */
        @JsonCreator
        static Passive fromConfig(
                @JsonProperty("consecutive_failures") Integer consecutiveFailures,
                @JsonProperty("failure_rate") Percent failureRate,
                @JsonProperty("minimum_requests") Integer minimumRequests,
                @JsonProperty("interval") Duration interval,
                @JsonProperty("base_ejection_time") Duration baseEjectionTime,
                @JsonProperty("max_ejection_time") Duration maxEjectionTime,
                @JsonProperty("max_ejection_percent") Percent maxEjectionPercent,
                @JsonProperty("failure_on") List<String> failureOn) {
            return new Passive(consecutiveFailures == null ? 5 : consecutiveFailures, failureRate,
                    minimumRequests == null ? 20 : minimumRequests, interval, baseEjectionTime, maxEjectionTime,
                    maxEjectionPercent, failureOn);
        }
    }
}
