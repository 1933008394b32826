package dev.sluice.upstream;

import dev.sluice.upstream.balance.LoadBalancer;
import java.util.List;

/**
 * The endpoints an upstream may send requests to at one moment, and the balancer built over them: an immutable
 * view, replaced whenever an endpoint's health or breaker changes.
 *
 * @param all      every configured endpoint
 * @param eligible the endpoints picks choose from: the healthy ones, or all of them in panic mode; may be empty
 * @param balancer the balancer over {@code eligible}, or {@code null} when it is empty
 * @param panic    true when too few endpoints are healthy and health is ignored
 */
public record EndpointSet(List<Endpoint> all, List<Endpoint> eligible, LoadBalancer balancer, boolean panic) {
    /** The number of endpoints that are healthy now (outside panic mode, the eligible ones). */
    public int healthyCount(long nowNanos) {
        int n = 0;
        for (final Endpoint e : all) {
            if (e.isAvailable(nowNanos)) {
                n++;
            }
        }
        return n;
    }
}
