package dev.sluice.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.config.BalancerKind;
import dev.sluice.upstream.Endpoint;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tests {@link SmoothWeightedRoundRobinBalancer}: the {@link LoadBalancer} contract plus its own behaviour. */
class SmoothWeightedRoundRobinBalancerTest extends LoadBalancerContractTest {
    private static final PickContext ANY = FakePickContext.fromIp("192.0.2.1");

    @Override
    LoadBalancer create(List<Endpoint> endpoints, RandomSource random) {
        return LoadBalancers.create(BalancerKind.WEIGHTED_ROUND_ROBIN, null, endpoints, random);
    }

    @Test
    void pick_weightsFiveOneOne_followsNginxSequence() {
        final List<Endpoint> endpoints = TestEndpoints.weighted(5, 1, 1);
        final Endpoint a = endpoints.get(0);
        final Endpoint b = endpoints.get(1);
        final Endpoint c = endpoints.get(2);
        final LoadBalancer balancer = create(endpoints, bound -> 0);

        final List<Endpoint> picks = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            picks.add(balancer.pick(ANY));
        }

        // The sequence from nginx's commit message for smooth WRR, repeated for a second cycle.
        assertThat(picks).containsExactly(a, a, b, a, c, a, a, a, a, b, a, c, a, a);
    }

    @Test
    void schedule_weightsWithCommonDivisor_cycleIsReduced() {
        final SmoothWeightedRoundRobinBalancer balancer = (SmoothWeightedRoundRobinBalancer) create(
                TestEndpoints.weighted(100, 200, 300), bound -> 0);

        assertThat(balancer.cycleLength()).isEqualTo(6);
    }

    @Test
    void schedule_weightsAboveCap_scaledToCapKeepingShares() {
        // Weights with gcd 1 summing to 1,000,021 would need a cycle of a million slots.
        final List<Endpoint> endpoints = TestEndpoints.weighted(999_983, 17, 21);
        final Endpoint[] schedule = SmoothWeightedRoundRobinBalancer.schedule(endpoints.toArray(new Endpoint[0]));

        assertThat(schedule.length).isLessThanOrEqualTo(SmoothWeightedRoundRobinBalancer.MAX_CYCLE + 3);
        final Map<Endpoint, Integer> counts = new IdentityHashMap<>();
        for (final Endpoint endpoint : schedule) {
            counts.merge(endpoint, 1, Integer::sum);
        }
        // The light endpoints keep at least one slot each; the heavy one keeps its share (0.99996) to within 0.01%.
        assertThat(counts).hasSize(3);
        assertThat(counts.get(endpoints.get(0)) / (double) schedule.length).isCloseTo(0.99996, within(0.0001));
    }
}
