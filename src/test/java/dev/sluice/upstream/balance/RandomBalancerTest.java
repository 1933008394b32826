package dev.sluice.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.BalancerKind;
import dev.sluice.upstream.Endpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tests {@link RandomBalancer}: the {@link LoadBalancer} contract plus its own behaviour. */
class RandomBalancerTest extends LoadBalancerContractTest {
    private static final PickContext ANY = FakePickContext.fromIp("192.0.2.1");

    @Override
    LoadBalancer create(List<Endpoint> endpoints, RandomSource random) {
        return LoadBalancers.create(BalancerKind.RANDOM, null, endpoints, random);
    }

    @Test
    void pick_weightsOneTwoThree_mapsDrawsToCumulativeRanges() {
        final List<Endpoint> endpoints = TestEndpoints.weighted(1, 2, 3);
        final int[] draw = new int[1];
        final LoadBalancer balancer = create(endpoints, bound -> draw[0]);

        // Draws 0 | 1 2 | 3 4 5 land on the endpoints with weights 1 | 2 | 3.
        final int[] expectedIndex = {0, 1, 1, 2, 2, 2};
        for (int r = 0; r < expectedIndex.length; r++) {
            draw[0] = r;
            assertThat(balancer.pick(ANY)).as("draw %d", r).isSameAs(endpoints.get(expectedIndex[r]));
        }
    }

    @Test
    void pick_equalWeights_drawsUniformIndex() {
        final List<Endpoint> endpoints = TestEndpoints.weighted(4, 4, 4);
        final LoadBalancer balancer = create(endpoints, bound -> bound - 1);

        // Equal weights reduce to a uniform draw over n = 3 endpoints, not over the total weight 12.
        assertThat(balancer.pick(ANY)).isSameAs(endpoints.get(2));
    }
}
