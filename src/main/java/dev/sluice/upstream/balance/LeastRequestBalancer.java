package dev.sluice.upstream.balance;

import dev.sluice.upstream.Endpoint;

/*
 * Threading: pick() is lock-free and allocation-free. It reads the endpoints' in-flight counters without
 * synchronisation beyond their atomic loads; a count that changes between the two reads only makes the choice as
 * stale as any load signal is, which power of two choices tolerates by design [1].
 *
 * Invariants: endpoints is non-empty and fixed for the life of the balancer.
 *
 * Algorithm: power of two choices [1]. Draw two distinct endpoints uniformly at random and take the one with fewer
 * requests in flight. Unlike "least of all", it never sends a burst to one momentarily idle endpoint (the herd
 * effect), because the least loaded endpoint is only in the sample two times in n, yet it cuts the maximum load
 * from O(log n / log log n) to O(log log n). Ties go to the first draw, which is itself random.
 *
 * Weights: when all weights are equal we compare raw in-flight counts. Otherwise we compare
 * (inFlight + 1) / weight, cross-multiplied in longs so there is no division or rounding. That is the reciprocal
 * of Envoy's effective weight weight / (active + 1)^bias with its default bias 1.0 [2], so the endpoint Envoy
 * would favour is the one chosen; the "+ 1" makes idle endpoints compare by weight rather than all tie at 0.
 * Envoy feeds that effective weight to an EDF scheduler; we keep P2C because it needs no shared mutable schedule.
 *
 * References:
 * [1] M. Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing", IEEE TPDS 12(10), 2001.
 * [2] Envoy docs, "Load balancers - Weighted least request" (active_request_bias).
 */

/** Least request by power of two choices, weighted as Envoy weights it when the weights differ. */
final class LeastRequestBalancer implements LoadBalancer {
    private final Endpoint[] endpoints;
    private final RandomSource random;
    private final boolean weighted;

    LeastRequestBalancer(Endpoint[] endpoints, RandomSource random) {
        assert endpoints.length > 0 : "the factory rejects an empty list";
        this.endpoints = endpoints;
        this.random = random;
        this.weighted = !Weights.allEqual(endpoints);
    }

    @Override
    public Endpoint pick(PickContext request) {
        final int n = endpoints.length;
        if (n == 1) {
            return endpoints[0];
        }
        final int i = random.nextInt(n);
        int j = random.nextInt(n - 1);
        if (j >= i) {
            // Skip i: j is now uniform over the other n - 1 endpoints.
            j++;
        }
        final Endpoint first = endpoints[i];
        final Endpoint second = endpoints[j];
        if (!weighted) {
            return second.inFlight() < first.inFlight() ? second : first;
        }
        // second wins iff (in2 + 1) / w2 < (in1 + 1) / w1.
        final long secondScore = (second.inFlight() + 1L) * first.weight();
        final long firstScore = (first.inFlight() + 1L) * second.weight();
        return secondScore < firstScore ? second : first;
    }

    @Override
    public String toString() {
        return "LeastRequestBalancer(" + endpoints.length + " endpoints" + (weighted ? ", weighted)" : ")");
    }
}
