package dev.sluice.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.BalancerKind;
import dev.sluice.config.HashOn;
import dev.sluice.upstream.Endpoint;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

/**
 * Properties of {@link ConsistentHashBalancer}: stickiness and the minimal-disruption guarantee of the ring.
 */
class ConsistentHashBalancerPropertyTest {
    private static final HashOn BY_USER = new HashOn(HashOn.Source.HEADER, "X-User");
    private static final int KEYS = 10_000;

    @Property
    void pick_sameKey_sameEndpointFromFreshBalancer(
            @ForAll @IntRange(min = 1, max = 30) int n,
            @ForAll @AlphaChars @StringLength(max = 40) String key) {
        final List<Endpoint> endpoints = TestEndpoints.unweighted(n);
        final PickContext request = FakePickContext.fromIp("192.0.2.1").withHeader("X-User", key);

        final Endpoint first = ring(endpoints).pick(request);

        assertThat(ring(endpoints).pick(request)).isSameAs(first);
        assertThat(ring(endpoints).pick(request)).isSameAs(first);
    }

    @Property(tries = 40)
    void pick_addOneEndpointToN_movesAboutOneInNPlusOneKeysAllToNewEndpoint(
            @ForAll @IntRange(min = 1, max = 30) int n,
            @ForAll @IntRange(min = 0, max = 1_000) int firstHost) {
        final List<Endpoint> before = hosts(firstHost, n);
        final List<Endpoint> after = new ArrayList<>(before);
        final Endpoint added = TestEndpoints.endpoint(firstHost + n, 1);
        after.add(added);
        final LoadBalancer oldRing = ring(before);
        final LoadBalancer newRing = ring(after);

        int moved = 0;
        for (int i = 0; i < KEYS; i++) {
            final PickContext request = key(i);
            final Endpoint was = oldRing.pick(request);
            final Endpoint now = newRing.pick(request);
            if (now != was) {
                moved++;
                assertThat(now).as("key %d moved, but not to the new endpoint", i).isSameAs(added);
            }
        }

        // The new endpoint's expected share is 1/(N+1); 1.5x leaves room for the ring's ~8% spread per endpoint.
        assertThat(moved).isLessThanOrEqualTo((int) (1.5 * KEYS / (n + 1)));
    }

    @Property(tries = 40)
    void pick_removeOneOfN_movesOnlyItsKeys(
            @ForAll @IntRange(min = 2, max = 30) int n,
            @ForAll @IntRange(min = 0, max = 29) int removedIndex,
            @ForAll @IntRange(min = 0, max = 1_000) int firstHost) {
        final List<Endpoint> before = hosts(firstHost, n);
        final Endpoint removed = before.get(removedIndex % n);
        final List<Endpoint> after = new ArrayList<>(before);
        after.remove(removed);
        final LoadBalancer oldRing = ring(before);
        final LoadBalancer newRing = ring(after);

        for (int i = 0; i < KEYS; i++) {
            final PickContext request = key(i);
            final Endpoint was = oldRing.pick(request);
            if (was != removed) {
                assertThat(newRing.pick(request)).as("key %d", i).isSameAs(was);
            }
        }
    }

    private static List<Endpoint> hosts(int first, int count) {
        final List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            endpoints.add(TestEndpoints.endpoint(first + i, 1));
        }
        return endpoints;
    }

    private static PickContext key(int i) {
        return FakePickContext.fromIp("192.0.2.1").withHeader("X-User", "user-" + i);
    }

    private static LoadBalancer ring(List<Endpoint> endpoints) {
        return LoadBalancers.create(BalancerKind.CONSISTENT_HASH, BY_USER, endpoints, bound -> 0);
    }
}
