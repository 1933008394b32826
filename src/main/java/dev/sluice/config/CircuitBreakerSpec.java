package dev.sluice.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;

/**
 * A circuit breaker, on a route (judging whole requests) or on an upstream (one per endpoint, judging attempts).
 *
 * <pre>{@code
 * circuit_breaker:
 *   window: 10s              # or a number of calls: 20
 *   minimum_calls: 20        # no verdict on fewer calls in the window
 *   failure_rate: 50%        # open at or above this share of failures
 *   slow_call: 2s            # optional: calls at least this long are slow ...
 *   slow_call_rate: 80%      # ... and open the breaker at or above this share
 *   open_for: 5s             # answer at once without touching the upstream, then try again
 *   trial_calls: 3           # calls let through when half-open
 *   failure_on: [5xx, connect_failure, reset, timeout]
 * }</pre>
 *
 * <p>The defaults are Hystrix's reference (20 requests, 50%, a 10 s rolling window, 5 s open), which trips on
 * low-traffic routes too; a breaker that needs 100 calls never trips on them.
 *
 * @param window        the sliding window
 * @param minimumCalls  calls in the window before the rates are judged
 * @param failureRate   failure share that opens the breaker
 * @param slowCall      duration from which a call is slow; {@code null} disables slow-call tripping
 * @param slowCallRate  slow share that opens the breaker (default 100%: only when every call is slow)
 * @param openFor       how long the breaker stays open
 * @param trialCalls    calls allowed through while half-open
 * @param failureOn     the outcomes that count as failures
 */
public record CircuitBreakerSpec(BreakerWindow window, int minimumCalls, Percent failureRate, Duration slowCall,
        Percent slowCallRate, Duration openFor, int trialCalls, List<String> failureOn) {
    public static final int DEFAULT_MINIMUM_CALLS = 20;
    public static final Percent DEFAULT_FAILURE_RATE = Percent.of(50);
    public static final Percent DEFAULT_SLOW_CALL_RATE = Percent.of(100);
    public static final Duration DEFAULT_OPEN_FOR = Duration.ofSeconds(5);
    public static final int DEFAULT_TRIAL_CALLS = 3;
    public static final List<String> DEFAULT_FAILURE_ON = List.of("5xx", OutcomeSet.CONNECT_FAILURE,
            OutcomeSet.RESET, OutcomeSet.TIMEOUT);

    public CircuitBreakerSpec {
        window = window == null ? BreakerWindow.DEFAULT : window;
        failureRate = failureRate == null ? DEFAULT_FAILURE_RATE : failureRate;
        slowCallRate = slowCallRate == null ? DEFAULT_SLOW_CALL_RATE : slowCallRate;
        openFor = openFor == null ? DEFAULT_OPEN_FOR : openFor;
        failureOn = failureOn == null ? DEFAULT_FAILURE_ON : List.copyOf(failureOn);
    }

    /** Binding entry point: absent keys take their defaults, explicit values are kept for validation. */
    @JsonCreator
    static CircuitBreakerSpec fromConfig(
            @JsonProperty("window") BreakerWindow window,
            @JsonProperty("minimum_calls") Integer minimumCalls,
            @JsonProperty("failure_rate") Percent failureRate,
            @JsonProperty("slow_call") Duration slowCall,
            @JsonProperty("slow_call_rate") Percent slowCallRate,
            @JsonProperty("open_for") Duration openFor,
            @JsonProperty("trial_calls") Integer trialCalls,
            @JsonProperty("failure_on") List<String> failureOn) {
        return new CircuitBreakerSpec(window, minimumCalls == null ? DEFAULT_MINIMUM_CALLS : minimumCalls,
                failureRate, slowCall, slowCallRate, openFor, trialCalls == null ? DEFAULT_TRIAL_CALLS : trialCalls,
                failureOn);
    }
}
