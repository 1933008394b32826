package dev.sluice.runtime;

import dev.sluice.config.OutcomeSet;
import dev.sluice.config.RetryBudgetSpec;
import dev.sluice.config.TimeoutsSpec;
import dev.sluice.policy.concurrency.ConcurrencyGate;
import dev.sluice.upstream.Endpoint;
import dev.sluice.upstream.Upstream;
import dev.sluice.upstream.health.OutlierDetector;
import dev.sluice.upstream.pool.PoolSettings;
import java.util.List;

/**
 * An upstream ready for the data plane: the live {@link Upstream} that picks healthy endpoints, and the settings
 * its attempts use.
 *
 * @param name             the upstream's name in the configuration
 * @param live             picks endpoints by health and balancer; the same object across reloads
 * @param endpoints        the targets, reused across reloads (see {@link StateRegistry})
 * @param timeouts         the upstream's own timeouts (routes combine theirs with these)
 * @param pool             connection pool limits
 * @param breakerFailureOn what counts as a failure for the endpoints' breakers ({@code null}: no breakers)
 * @param outlier          passive health checks, or {@code null}
 * @param outlierFailureOn what counts as a failure for {@code outlier}
 * @param concurrency      cap on requests in flight to this upstream, or {@code null}
 * @param retryBudget      how much retries may add to this upstream's load
 */
public record CompiledUpstream(
        String name,
        Upstream live,
        List<Endpoint> endpoints,
        TimeoutsSpec timeouts,
        PoolSettings pool,
        OutcomeSet breakerFailureOn,
        OutlierDetector outlier,
        OutcomeSet outlierFailureOn,
        ConcurrencyGate concurrency,
        RetryBudgetSpec retryBudget) {
}
