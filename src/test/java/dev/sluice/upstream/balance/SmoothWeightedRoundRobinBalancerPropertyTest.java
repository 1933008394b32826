package dev.sluice.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.upstream.Endpoint;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Properties of {@link SmoothWeightedRoundRobinBalancer}: exact weights per cycle, and smoothness.
 *
 * <p>Smoothness, proved in the class comment of the balancer: endpoint j's current weight after t picks is
 * {@code t*w_j - T*picks_j(t)}, stays {@code > -T}, and (since the current weights sum to 0 and each is {@code > -T})
 * stays {@code < (n-1)*T}. So at every point of the cycle {@code t*w_j/T - (n-1) < picks_j(t) < t*w_j/T + 1}.
 * Classic WRR breaks the upper bound at once.
 *
 * <p>The bound {@code ceil(w_max/(T-w_max)) + 1} on the heaviest endpoint's run length, sometimes quoted for this
 * algorithm, does not hold for nginx's sequence: weights 55,2,2 give a run of 19 against a bound of 15 (nginx picks
 * the two light endpoints close together). What the algorithm guarantees is the share bound above; the run bound
 * is checked here only for the 5,1,1 case, exactly, in {@code SmoothWeightedRoundRobinBalancerTest}.
 */
class SmoothWeightedRoundRobinBalancerPropertyTest {
    private static final PickContext ANY = FakePickContext.fromIp("192.0.2.1");

    @Property
    void pick_totalWeightPicks_countsEqualWeights(
            @ForAll @Size(min = 1, max = 12) List<@IntRange(min = 1, max = 60) Integer> weights,
            @ForAll @IntRange(min = 0, max = 1_000) int start) {
        final List<Endpoint> endpoints = TestEndpoints.weighted(weights);
        final LoadBalancer balancer = new SmoothWeightedRoundRobinBalancer(
                endpoints.toArray(new Endpoint[0]), bound -> start % bound);
        final int total = weights.stream().mapToInt(Integer::intValue).sum();

        final int[] counts = new int[endpoints.size()];
        // T picks are a whole number of cycles (the cycle length divides T), from any starting slot.
        for (int i = 0; i < total; i++) {
            counts[endpoints.indexOf(balancer.pick(ANY))]++;
        }

        assertThat(counts).containsExactly(weights.stream().mapToInt(Integer::intValue).toArray());
    }

    @Property
    void pick_everyPrefixOfCycle_staysWithinOnePickOfExactShare(
            @ForAll @Size(min = 2, max = 10) List<@IntRange(min = 1, max = 100) Integer> weights) {
        final List<Endpoint> endpoints = TestEndpoints.weighted(weights);
        final Endpoint[] schedule = SmoothWeightedRoundRobinBalancer.schedule(endpoints.toArray(new Endpoint[0]));
        final int n = endpoints.size();
        final int[] reduced = Weights.reduced(endpoints.toArray(new Endpoint[0]), Long.MAX_VALUE);
        final long total = schedule.length;

        final int[] picks = new int[n];
        for (int t = 1; t <= schedule.length; t++) {
            picks[endpoints.indexOf(schedule[t - 1])]++;
            for (int j = 0; j < n; j++) {
                final long current = t * (long) reduced[j] - total * picks[j];
                assertThat(current).as("current weight of %d after %d picks", j, t)
                        .isGreaterThan(-total)
                        .isLessThan((n - 1) * total);
            }
        }
    }
}
