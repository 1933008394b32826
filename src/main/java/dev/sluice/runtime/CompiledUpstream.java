package dev.sluice.runtime;

import dev.sluice.upstream.Endpoint;
import dev.sluice.upstream.balance.LoadBalancer;
import dev.sluice.upstream.pool.PoolSettings;
import java.util.List;

/**
 * An upstream ready for the data plane: its endpoints, the balancer built over them, and its timeouts and pool
 * limits.
 *
 * @param name                 the upstream's name in the configuration
 * @param endpoints            the targets, reused across reloads (see {@link StateRegistry})
 * @param balancer             picks one of {@code endpoints} per request
 * @param responseTimeoutNanos from request sent to response head
 * @param pool                 connection pool limits
 */
public record CompiledUpstream(
        String name,
        List<Endpoint> endpoints,
        LoadBalancer balancer,
        long responseTimeoutNanos,
        PoolSettings pool) {
}
