package dev.sluice.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.BalancerKind;
import dev.sluice.upstream.Endpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tests {@link RoundRobinBalancer}: the {@link LoadBalancer} contract plus its own behaviour. */
class RoundRobinBalancerTest extends LoadBalancerContractTest {
    private static final PickContext ANY = FakePickContext.fromIp("192.0.2.1");

    @Override
    LoadBalancer create(List<Endpoint> endpoints, RandomSource random) {
        return LoadBalancers.create(BalancerKind.ROUND_ROBIN, null, endpoints, random);
    }

    @Test
    void pick_startAtZero_visitsEndpointsInListOrder() {
        final List<Endpoint> endpoints = TestEndpoints.weighted(5, 1, 1);
        final LoadBalancer balancer = create(endpoints, bound -> 0);

        for (int round = 0; round < 3; round++) {
            for (final Endpoint expected : endpoints) {
                assertThat(balancer.pick(ANY)).isSameAs(expected);
            }
        }
    }

    @Test
    void pick_counterPastLongMaxValue_keepsReturningListedEndpoints() {
        final List<Endpoint> endpoints = TestEndpoints.unweighted(3);
        final LoadBalancer balancer = new RoundRobinBalancer(endpoints.toArray(new Endpoint[0]), Long.MAX_VALUE - 2);

        for (int i = 0; i < 10; i++) {
            assertThat(balancer.pick(ANY)).isIn(endpoints);
        }
    }

    @Test
    void pick_counterPastIntMaxValue_keepsExactRotation() {
        final List<Endpoint> endpoints = TestEndpoints.unweighted(3);
        final LoadBalancer balancer =
                new RoundRobinBalancer(endpoints.toArray(new Endpoint[0]), Integer.MAX_VALUE - 1L);

        // Integer.MAX_VALUE - 1 = 2147483646 = 3 * 715827882, so the rotation starts at endpoint 0 and must not
        // skip or repeat where an int counter would wrap.
        for (int i = 0; i < 9; i++) {
            assertThat(balancer.pick(ANY)).isSameAs(endpoints.get(i % 3));
        }
    }
}
