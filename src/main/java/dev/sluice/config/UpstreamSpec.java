package dev.sluice.config;

import java.util.List;

/**
 * A named group of targets that routes send traffic to, with its balancing and connection settings.
 *
 * @param balancer        how a target is picked for each request
 * @param hashOn          what {@link BalancerKind#CONSISTENT_HASH} hashes; ignored by other balancers
 * @param targets         the endpoints, each {@code http://host:port} with a weight
 * @param timeouts        connect, per-try and total timeouts (a route's own are combined with these: the tighter
 *                        wins)
 * @param pool            keep-alive pool settings, per event loop and target
 * @param healthCheck     active and passive health checks, or {@code null}
 * @param circuitBreaker  a circuit breaker per endpoint, or {@code null}
 * @param retryBudget     how much routes' retries may add to this upstream's load
 * @param concurrency     a cap (fixed or adaptive) on requests in flight to this upstream, or {@code null}
 */
public record UpstreamSpec(
        BalancerKind balancer,
        HashOn hashOn,
        List<TargetSpec> targets,
        TimeoutsSpec timeouts,
        PoolSpec pool,
        HealthCheckSpec healthCheck,
        CircuitBreakerSpec circuitBreaker,
        RetryBudgetSpec retryBudget,
        ConcurrencySpec concurrency) {

    public UpstreamSpec {
        balancer = balancer == null ? BalancerKind.ROUND_ROBIN : balancer;
        targets = targets == null ? List.of() : List.copyOf(targets);
        timeouts = timeouts == null ? TimeoutsSpec.none() : timeouts;
        pool = pool == null ? PoolSpec.defaults() : pool;
        retryBudget = retryBudget == null ? RetryBudgetSpec.defaults() : retryBudget;
    }
}
