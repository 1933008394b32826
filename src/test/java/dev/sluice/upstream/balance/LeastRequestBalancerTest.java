package dev.sluice.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.BalancerKind;
import dev.sluice.upstream.Endpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tests {@link LeastRequestBalancer}: the {@link LoadBalancer} contract plus its own behaviour. */
class LeastRequestBalancerTest extends LoadBalancerContractTest {
    private static final PickContext ANY = FakePickContext.fromIp("192.0.2.1");

    @Override
    LoadBalancer create(List<Endpoint> endpoints, RandomSource random) {
        return LoadBalancers.create(BalancerKind.LEAST_REQUEST, null, endpoints, random);
    }

    @Test
    void pick_equalWeights_prefersFewerInFlight() {
        final List<Endpoint> endpoints = TestEndpoints.unweighted(2);
        acquire(endpoints.get(0), 3);
        acquire(endpoints.get(1), 2);
        // Draws (0, 0): first = endpoint 0, second = endpoint 1 (the second draw skips the first).
        final LoadBalancer balancer = create(endpoints, bound -> 0);

        assertThat(balancer.pick(ANY)).isSameAs(endpoints.get(1));
    }

    @Test
    void pick_tiedLoad_keepsFirstDraw() {
        final List<Endpoint> endpoints = TestEndpoints.unweighted(3);
        acquire(endpoints.get(0), 1);
        acquire(endpoints.get(2), 1);
        final LoadBalancer balancer = create(endpoints, bound -> bound - 1);

        // Draws (2, 1): first = endpoint 2 (1 in flight), second = endpoint 1 (idle), so the second wins; once their
        // load is tied, the first draw is kept.
        assertThat(balancer.pick(ANY)).isSameAs(endpoints.get(1));
        acquire(endpoints.get(1), 1);
        assertThat(balancer.pick(ANY)).isSameAs(endpoints.get(2));
    }

    @Test
    void pick_heavierEndpointBusierPerWeightUnitLess_prefersHeavier() {
        final List<Endpoint> endpoints = TestEndpoints.weighted(4, 1);
        acquire(endpoints.get(0), 3);
        acquire(endpoints.get(1), 1);
        final LoadBalancer balancer = create(endpoints, bound -> 0);

        // Scores (inFlight + 1) / weight: 4/4 = 1 for the heavy endpoint against 2/1 = 2 for the light one, so the
        // heavy endpoint wins although it has more requests in flight.
        assertThat(balancer.pick(ANY)).isSameAs(endpoints.get(0));
    }

    @Test
    void pick_idleWeightedEndpoints_prefersHeavier() {
        final List<Endpoint> endpoints = TestEndpoints.weighted(1, 3);
        final LoadBalancer balancer = create(endpoints, bound -> 0);

        // Idle scores are 1/1 and 1/3: without the "+ 1" both would be 0 and the weight would not count.
        assertThat(balancer.pick(ANY)).isSameAs(endpoints.get(1));
    }

    private static void acquire(Endpoint endpoint, int requests) {
        for (int i = 0; i < requests; i++) {
            endpoint.acquire();
        }
    }
}
