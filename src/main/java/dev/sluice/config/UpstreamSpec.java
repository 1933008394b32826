package dev.sluice.config;

import java.time.Duration;
import java.util.List;

/**
 * A named group of targets that routes send traffic to, with its balancing and connection settings.
 *
 * @param balancer        how a target is picked for each request
 * @param hashOn          what {@link BalancerKind#CONSISTENT_HASH} hashes; ignored by other balancers
 * @param targets         the endpoints, each {@code http://host:port} with a weight
 * @param connectTimeout  time allowed to open a TCP connection to a target
 * @param responseTimeout time allowed from sending the request until the response head arrives
 * @param pool            keep-alive pool settings, per event loop and target
 */
public record UpstreamSpec(
        BalancerKind balancer,
        HashOn hashOn,
        List<TargetSpec> targets,
        Duration connectTimeout,
        Duration responseTimeout,
        PoolSpec pool) {

    public UpstreamSpec {
        balancer = balancer == null ? BalancerKind.ROUND_ROBIN : balancer;
        targets = targets == null ? List.of() : List.copyOf(targets);
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
        responseTimeout = responseTimeout == null ? Duration.ofSeconds(60) : responseTimeout;
        pool = pool == null ? PoolSpec.defaults() : pool;
    }
}
