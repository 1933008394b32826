package dev.sluice.config.validate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConfigResult;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Validation of the resilience settings (timeouts, retries, breakers, fallbacks, health checks, concurrency):
 * every bad value reported at its path, with the expectation, and the whole configuration refused.
 */
class ResilienceValidationTest {
    private static final String UPSTREAMS = "upstreams: {u: {targets: [{url: 'http://10.0.0.1:80'}]},"
            + " v: {targets: [{url: 'http://10.0.0.2:80'}]}}\n";

    private static List<String> problems(String yaml) {
        final ConfigResult result = ConfigLoader.parse(yaml, "test.yaml", name -> null);
        return result.problems().stream().map(ConfigProblem::toString).toList();
    }

    private static List<String> route(String extra) {
        return problems(UPSTREAMS + "routes: [{id: r, upstream: u, " + extra + "}]\n");
    }

    private static List<String> upstream(String extra) {
        return problems("upstreams: {u: {targets: [{url: 'http://10.0.0.1:80'}], " + extra + "}}\n"
                + "routes: [{id: r, upstream: u}]\n");
    }

    @Test
    void everything_valid_hasNoProblems() {
        assertThat(route("timeouts: {connect: 1s, per_try: 2s, total: 5s}, retry: {attempts: 3,"
                + " on: [connect_failure, reset, timeout, 5xx, 429], non_idempotent: true,"
                + " backoff: {base: 10ms, max: 1s}, buffer: 128kb}, circuit_breaker: {window: 20, minimum_calls: 10,"
                + " failure_rate: 50%, slow_call: 2s, slow_call_rate: 80%, open_for: 10s, trial_calls: 2,"
                + " failure_on: [500-599, timeout]}, fallback: {upstream: v, on_status: [503]},"
                + " concurrency: {max: 100, queue: 50, queue_timeout: 500ms}")).isEmpty();
        assertThat(upstream("health_check: {active: {path: /health, interval: 1s, timeout: 200ms,"
                + " expected_statuses: [200, 204-299], healthy_threshold: 1, unhealthy_threshold: 2},"
                + " passive: {consecutive_failures: 3, failure_rate: 30%, minimum_requests: 10,"
                + " base_ejection_time: 5s, max_ejection_time: 1m, max_ejection_percent: 34%}, panic_threshold: 50%},"
                + " circuit_breaker: {window: 30s}, retry_budget: {percent: 25%, min_concurrency: 5},"
                + " concurrency: {max: 500, adaptive: {initial: 50, min: 2, tolerance: 2}}")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "retry: {attempts: 0}                     | routes[0].retry.attempts: 0 is out of range (expected 1..10, the first try included)",
        "retry: {attempts: 11}                    | routes[0].retry.attempts: 11 is out of range (expected 1..10, the first try included)",
        "retry: {on: [connect_failure, 5xy]}      | routes[0].retry.on[1]: \"5xy\" is not an outcome (expected connect_failure, reset, timeout, a status like 503, a range like 500-504 or a class like 5xx)",
        "retry: {on: [600]}                       | routes[0].retry.on[0]: \"600\" is not an outcome (expected connect_failure, reset, timeout, a status like 503, a range like 500-504 or a class like 5xx)",
        "retry: {backoff: {base: 0s}}             | routes[0].retry.backoff.base: 0s is not positive (expected a duration like 250ms, 5s, 1m)",
        "retry: {backoff: {base: 1s, max: 100ms}} | routes[0].retry.backoff.max: PT0.1S is below base PT1S (expected max >= base)",
        "timeouts: {per_try: 0s}                  | routes[0].timeouts.per_try: 0s is not positive (expected a duration like 250ms, 5s, 1m)",
        "circuit_breaker: {window: 0}             | routes[0].circuit_breaker.window: 0 calls is out of range (expected 1..100000, or a duration like 10s)",
        "circuit_breaker: {window: 10, minimum_calls: 20} | routes[0].circuit_breaker.minimum_calls: 20 is more than the window of 10 calls (the breaker could never trip)",
        "circuit_breaker: {failure_rate: 0%}      | routes[0].circuit_breaker.failure_rate: 0% is out of range (expected more than 0% and at most 100%)",
        "circuit_breaker: {failure_rate: 150%}    | routes[0].circuit_breaker.failure_rate: 150% is out of range (expected more than 0% and at most 100%)",
        "circuit_breaker: {trial_calls: 0}        | routes[0].circuit_breaker.trial_calls: 0 (expected: >= 1)",
        "circuit_breaker: {open_for: 0s}          | routes[0].circuit_breaker.open_for: 0s is not positive (expected a duration like 250ms, 5s, 1m)",
        "fallback: {upstream: nowhere}            | routes[0].fallback.upstream: unknown upstream \"nowhere\"",
        "fallback: {on_status: [503]}             | routes[0].fallback: needs exactly one of static_response and upstream",
        "fallback: {upstream: v, on_status: [5]}  | routes[0].fallback.on_status[0]: \"5\" is not a status (expected a status like 503, a range like 500-504 or a class like 5xx)",
        "concurrency: {queue: 5}                  | routes[0].concurrency.max: is required (most requests in flight)",
        "concurrency: {max: 10, queue: -1}        | routes[0].concurrency.queue: -1 (expected: >= 0)",
        "concurrency: {max: 10, adaptive: {}}     | routes[0].concurrency.adaptive: applies only to upstreams (a route's cap is fixed)",
    })
    void route_badValue_isReportedAtItsPath(String extra, String expected) {
        assertThat(route(extra)).containsExactly(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "health_check: {}                                  | upstreams.u.health_check: sets neither active nor passive (expected at least one)",
        "health_check: {active: {interval: 1s}}            | upstreams.u.health_check.active.path: is required (the probe path, e.g. /health)",
        "health_check: {active: {path: health}}            | upstreams.u.health_check.active.path: \"health\" is not a request path (expected e.g. /health)",
        "health_check: {active: {path: /h, expected_statuses: []}} | upstreams.u.health_check.active.expected_statuses: is empty (expected e.g. [200-399])",
        "health_check: {active: {path: /h, unhealthy_threshold: 0}} | upstreams.u.health_check.active.unhealthy_threshold: 0 is not positive (expected > 0)",
        "health_check: {passive: {consecutive_failures: 0}} | upstreams.u.health_check.passive.consecutive_failures: 0 is not positive (expected > 0)",
        "health_check: {passive: {max_ejection_percent: 101%}} | upstreams.u.health_check.passive.max_ejection_percent: 101% is out of range (expected 0%..100%)",
        "health_check: {passive: {base_ejection_time: 1m, max_ejection_time: 10s}} | upstreams.u.health_check.passive.max_ejection_time: PT10S is below base_ejection_time PT1M",
        "health_check: {passive: {}, panic_threshold: -5%} | upstreams.u.health_check.panic_threshold: -5% is out of range (expected 0%..100%)",
        "retry_budget: {min_concurrency: -1}               | upstreams.u.retry_budget.min_concurrency: -1 (expected: >= 0)",
        "concurrency: {max: 10, adaptive: {min: 20}}       | upstreams.u.concurrency.adaptive.min: 20 (expected: 1..10, the max)",
        "concurrency: {max: 100, adaptive: {initial: 200}} | upstreams.u.concurrency.adaptive.initial: 200 (expected: 4..100)",
        "concurrency: {max: 100, adaptive: {tolerance: 0.5}} | upstreams.u.concurrency.adaptive.tolerance: 0.5 (expected: 1.0..100)",
    })
    void upstream_badValue_isReportedAtItsPath(String extra, String expected) {
        assertThat(upstream(extra)).containsExactly(expected);
    }

    @Test
    void staticRoute_withResilienceSettings_isReported() {
        assertThat(problems(UPSTREAMS + "routes: [{id: s, static_response: {status: 200}, retry: {}}]\n"))
                .containsExactly("routes[0]: retry, circuit_breaker, fallback and concurrency apply only to routes"
                        + " with an upstream");
    }

    @Test
    void badScalars_areReportedWithTheExpectedForm() {
        assertThat(route("circuit_breaker: {window: soon, failure_rate: half}")).containsExactlyInAnyOrder(
                "routes[0].circuit_breaker.window: \"soon\" is not valid (expected a number of calls like 20 or a"
                        + " duration like 10s)",
                "routes[0].circuit_breaker.failure_rate: \"half\" is not valid (expected a percentage like 50%)");
    }

    @Test
    void unknownKey_inRetry_listsTheAllowedKeys() {
        assertThat(route("retry: {attempt: 3}")).containsExactly("routes[0].retry.attempt: unknown key (expected one"
                + " of: attempts, on, non_idempotent, backoff, buffer)");
    }
}
