package dev.sluice.upstream.health;

/**
 * The health of one endpoint at one instant, for the admin API and for logs.
 *
 * @param healthy             {@link EndpointHealth#isHealthy(long)}: actively healthy and not ejected
 * @param activeHealthy       whether active checks consider the endpoint healthy (true when none run)
 * @param ejected             whether outlier detection has the endpoint ejected at this instant
 * @param ejectedUntilNanos   when the ejection ends, on the detector's ticker; 0 when not ejected
 * @param ejectionCount       how many times outlier detection has ejected the endpoint, ever
 * @param consecutiveFailures failures in a row reported by the request path since the last success or ejection
 * @param reason              why the endpoint is in its current state, e.g. {@code "5 consecutive failures"}
 * @param changedAtNanos      when that state began, on the ticker of the component that changed it; 0 if never
 */
public record HealthSnapshot(boolean healthy, boolean activeHealthy, boolean ejected, long ejectedUntilNanos,
        int ejectionCount, int consecutiveFailures, String reason, long changedAtNanos) {
}
