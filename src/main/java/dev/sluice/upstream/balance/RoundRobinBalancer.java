package dev.sluice.upstream.balance;

import dev.sluice.upstream.Endpoint;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/*
 * Threading: pick() is lock-free and allocation-free: one getAndIncrement on a shared counter (a single LOCK XADD on
 * x86). The counter's cache line is shared by every event loop; at gateway request rates that costs less than a
 * per-loop counter would cost in complexity, and the JMH figures in docs/load-balancing.md confirm it.
 *
 * Invariants: endpoints is non-empty and never changes (a new balancer is built when the list changes).
 *
 * Algorithm: endpoint = endpoints[counter++ mod n]. The counter is a long so it does not overflow in practice
 * (2^63 picks is 292 years at 10^9 picks/s); floorMod keeps the index valid even if it ever wrapped. An int counter
 * would wrap after 2^32 picks and, unless n divides 2^32, skip or repeat an endpoint at the wrap. The counter starts
 * at a random offset, as Envoy's round robin does, so that a fleet of gateways that all reload at once does not send
 * its first requests to the same endpoint.
 */

/** Plain round robin: each endpoint in turn, ignoring weights. */
final class RoundRobinBalancer implements LoadBalancer {
    private final Endpoint[] endpoints;
    private final AtomicLong next;

    RoundRobinBalancer(Endpoint[] endpoints, long start) {
        assert endpoints.length > 0 : "the factory rejects an empty list";
        this.endpoints = endpoints;
        this.next = new AtomicLong(start);
    }

    @Override
    public Endpoint pick(PickContext request) {
        return endpoints[Math.floorMod(next.getAndIncrement(), endpoints.length)];
    }

    @Override
    public String toString() {
        return "RoundRobinBalancer" + Arrays.toString(endpoints);
    }
}
