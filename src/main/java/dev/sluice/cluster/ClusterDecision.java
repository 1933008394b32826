package dev.sluice.cluster;

/**
 * The outcome of one cluster-wide rate-limit decision, with the quota figures for {@code RateLimit-*} and
 * {@code Retry-After} headers; the same fields, in the same units, as the local limiters' decision.
 *
 * <p>Durations are nanoseconds, as the local limiters report them. Redis measures time in microseconds, so every
 * figure here is exact for the arrival time Redis saw; nothing is rounded to milliseconds on the way.
 *
 * @param allowed         whether the request is admitted
 * @param limit           the configured limit: requests per window, bucket capacity, or in-flight maximum
 * @param remaining       how many more requests would be admitted at this same instant, after this one
 * @param resetAfterNanos how long until the limiter is back to its full, idle quota if nothing else arrives
 * @param retryAfterNanos 0 when allowed; otherwise the shortest wait after which the same request would be admitted
 * @param delayNanos      leaky bucket only: how long the caller must hold an admitted request before forwarding it
 *                        (without blocking a thread); 0 for every other algorithm and for every rejection
 * @param lease           concurrency only: the lease to hand to {@link ClusterRateLimiter#release(ClusterLease)} when
 *                        the exchange completes; {@code null} for every other algorithm and for every rejection
 */
public record ClusterDecision(
        boolean allowed,
        long limit,
        long remaining,
        long resetAfterNanos,
        long retryAfterNanos,
        long delayNanos,
        ClusterLease lease) {
}
