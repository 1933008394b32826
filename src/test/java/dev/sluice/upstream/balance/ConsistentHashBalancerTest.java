package dev.sluice.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.BalancerKind;
import dev.sluice.config.HashOn;
import dev.sluice.upstream.Endpoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tests {@link ConsistentHashBalancer}: the {@link LoadBalancer} contract plus its own behaviour. */
class ConsistentHashBalancerTest extends LoadBalancerContractTest {
    private static final HashOn BY_USER = new HashOn(HashOn.Source.HEADER, "X-User");
    private static final HashOn BY_IP = new HashOn(HashOn.Source.CLIENT_IP, null);

    @Override
    LoadBalancer create(List<Endpoint> endpoints, RandomSource random) {
        return LoadBalancers.create(BalancerKind.CONSISTENT_HASH, BY_USER, endpoints, random);
    }

    private static LoadBalancer ring(HashOn hashOn, List<Endpoint> endpoints) {
        return LoadBalancers.create(BalancerKind.CONSISTENT_HASH, hashOn, endpoints, bound -> 0);
    }

    @Test
    void pick_sameHeaderDifferentClients_sameEndpoint() {
        final LoadBalancer balancer = ring(BY_USER, TestEndpoints.unweighted(10));

        final Endpoint first = balancer.pick(FakePickContext.fromIp("192.0.2.1").withHeader("X-User", "alice"));
        for (int i = 2; i < 50; i++) {
            final PickContext request = FakePickContext.fromIp("192.0.2." + i).withHeader("x-user", "alice");
            assertThat(balancer.pick(request)).isSameAs(first);
        }
    }

    @Test
    void pick_headerMissing_fallsBackToClientIp() {
        final List<Endpoint> endpoints = TestEndpoints.unweighted(10);
        final LoadBalancer byUser = ring(BY_USER, endpoints);
        final LoadBalancer byIp = ring(BY_IP, endpoints);

        for (int i = 0; i < 100; i++) {
            final PickContext request = FakePickContext.fromIp("198.51.100." + i);
            assertThat(byUser.pick(request)).isSameAs(byIp.pick(request));
        }
    }

    @Test
    void pick_cookieMissingOrEmpty_fallsBackToClientIp() {
        final List<Endpoint> endpoints = TestEndpoints.unweighted(10);
        final LoadBalancer bySession = ring(new HashOn(HashOn.Source.COOKIE, "session"), endpoints);
        final LoadBalancer byIp = ring(BY_IP, endpoints);

        for (int i = 0; i < 100; i++) {
            final FakePickContext request = FakePickContext.fromIp("198.51.100." + i);
            assertThat(bySession.pick(request)).isSameAs(byIp.pick(request));
            assertThat(bySession.pick(request.withCookie("session", ""))).isSameAs(byIp.pick(request));
        }
    }

    @Test
    void pick_byPath_samePathSameEndpoint() {
        final LoadBalancer balancer = ring(new HashOn(HashOn.Source.PATH, null), TestEndpoints.unweighted(10));

        final Endpoint first = balancer.pick(FakePickContext.fromIp("192.0.2.1").withPath("/videos/42"));

        assertThat(balancer.pick(FakePickContext.fromIp("203.0.113.9").withPath("/videos/42"))).isSameAs(first);
    }

    @Test
    void pick_endpointListInAnotherOrder_sameEndpointForEveryKey() {
        final List<Endpoint> endpoints = TestEndpoints.weighted(1, 2, 1, 3, 1, 1, 2);
        final List<Endpoint> shuffled = new ArrayList<>(endpoints);
        Collections.reverse(shuffled);
        final LoadBalancer balancer = ring(BY_USER, endpoints);
        final LoadBalancer other = ring(BY_USER, shuffled);

        for (final FakePickContext request : contexts(2_000)) {
            assertThat(other.pick(request)).isSameAs(balancer.pick(request));
        }
    }

    @Test
    void pick_tenThousandKeysOnTenEndpoints_eachWithin25PercentOfFairShare() {
        final List<Endpoint> endpoints = TestEndpoints.unweighted(10);
        final LoadBalancer balancer = ring(BY_USER, endpoints);

        final Map<Endpoint, Integer> counts = countPicks(balancer, 10_000);

        // Fair share is 1,000. With 160 points each the ring alone spreads shares by about 8% (1 sigma), and 10,000
        // keys add about 3%; +-25% is about 3 sigma. The hash and keys are fixed, so this cannot flake.
        assertThat(counts).hasSize(10);
        assertThat(counts.values()).allSatisfy(count -> assertThat(count).isBetween(750, 1_250));
    }

    @Test
    void pick_weightThreeAmongOnes_getsAboutThreeShares() {
        final List<Endpoint> endpoints = TestEndpoints.weighted(3, 1, 1, 1, 1, 1, 1, 1);
        final LoadBalancer balancer = ring(BY_USER, endpoints);

        final Map<Endpoint, Integer> counts = countPicks(balancer, 10_000);

        // Weight 3 of 10 is a 30% share: 3,000 of 10,000 keys, give or take the ring's spread.
        assertThat(counts.get(endpoints.get(0))).isBetween(2_500, 3_500);
    }

    @Test
    void ring_weightsAboveCap_scaledToCap() {
        final ConsistentHashBalancer balancer = (ConsistentHashBalancer) ring(
                BY_USER, TestEndpoints.weighted(10_000, 1, 1));

        assertThat(balancer.size()).isLessThanOrEqualTo(ConsistentHashBalancer.MAX_POINTS + 3);
        assertThat(balancer.pick(contexts(1)[0])).isNotNull();
    }

    private static Map<Endpoint, Integer> countPicks(LoadBalancer balancer, int keys) {
        final Map<Endpoint, Integer> counts = new IdentityHashMap<>();
        for (int i = 0; i < keys; i++) {
            final PickContext request = FakePickContext.fromIp("192.0.2.1").withHeader("X-User", "user-" + i);
            counts.merge(balancer.pick(request), 1, Integer::sum);
        }
        return counts;
    }
}
