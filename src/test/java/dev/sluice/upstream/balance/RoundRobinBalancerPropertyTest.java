package dev.sluice.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.upstream.Endpoint;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Properties of {@link RoundRobinBalancer}. */
class RoundRobinBalancerPropertyTest {
    private static final PickContext ANY = FakePickContext.fromIp("192.0.2.1");

    @Property
    void pick_kTimesNPicks_eachEndpointExactlyK(
            @ForAll @IntRange(min = 1, max = 50) int n,
            @ForAll @IntRange(min = 1, max = 20) int k,
            @ForAll long start) {
        final List<Endpoint> endpoints = TestEndpoints.unweighted(n);
        // Start anywhere but within k*n picks of the long wrap, which no real counter reaches (see the class comment).
        final long safeStart = Math.min(Math.abs(start % (Long.MAX_VALUE / 2)), Long.MAX_VALUE - k * (long) n);
        final LoadBalancer balancer = new RoundRobinBalancer(endpoints.toArray(new Endpoint[0]), safeStart);

        final int[] counts = new int[n];
        for (int i = 0; i < k * n; i++) {
            counts[endpoints.indexOf(balancer.pick(ANY))]++;
        }

        assertThat(counts).containsOnly(k);
    }
}
