package dev.sluice.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.upstream.Endpoint;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Properties of {@link LeastRequestBalancer} (power of two choices). */
class LeastRequestBalancerPropertyTest {
    private static final PickContext ANY = FakePickContext.fromIp("192.0.2.1");
    private static final int PICKS = 20_000;

    @Property(tries = 200)
    void pick_oneEndpointStrictlyBusiest_neverPicked(
            @ForAll @Size(min = 2, max = 10) List<@IntRange(min = 0, max = 20) Integer> loads,
            @ForAll @Size(value = 10) List<@IntRange(min = 1, max = 5) Integer> weights,
            @ForAll long seed) {
        final List<Endpoint> endpoints = TestEndpoints.weighted(weights.subList(0, loads.size()));
        final int busiest = strictlyWorstScore(endpoints, loads);
        Assume.that(busiest >= 0);
        setLoads(endpoints, loads);
        final LoadBalancer balancer = new LeastRequestBalancer(
                endpoints.toArray(new Endpoint[0]), RandomSource.of(new SplittableRandom(seed)));

        // The two draws are distinct, so the busiest endpoint is always compared with a less busy one and loses.
        for (int i = 0; i < PICKS / 10; i++) {
            assertThat(balancer.pick(ANY)).isNotSameAs(endpoints.get(busiest));
        }
    }

    @Property(tries = 50)
    void pick_oneEndpointTenTimesSlower_getsFarFewerPicks(
            @ForAll @IntRange(min = 3, max = 10) int n,
            @ForAll @IntRange(min = 0, max = 9) int slowIndex,
            @ForAll long seed) {
        Assume.that(slowIndex < n);
        final List<Endpoint> endpoints = TestEndpoints.unweighted(n);
        final Endpoint slow = endpoints.get(slowIndex);
        final LoadBalancer balancer = new LeastRequestBalancer(
                endpoints.toArray(new Endpoint[0]), RandomSource.of(new SplittableRandom(seed)));
        // Requests finish a fixed number of picks after they start: 20 on a normal endpoint, 200 on the slow one.
        // Time is counted in picks, so the simulation is deterministic and needs no clock.
        final Deque<long[]> fast = new ArrayDeque<>();
        final Deque<long[]> slowQueue = new ArrayDeque<>();

        final int[] counts = new int[n];
        for (int i = 0; i < PICKS; i++) {
            release(fast, endpoints, i);
            release(slowQueue, endpoints, i);
            final Endpoint picked = balancer.pick(ANY);
            final int index = endpoints.indexOf(picked);
            counts[index]++;
            picked.acquire();
            (picked == slow ? slowQueue : fast).addLast(new long[] {i + (picked == slow ? 200L : 20L), index});
        }

        int minOther = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (i != slowIndex) {
                minOther = Math.min(minOther, counts[i]);
            }
        }
        // Balancing in-flight counts gives the slow endpoint about a tenth of the rate (Little's law); a third is
        // a loose bound that round robin (an equal share) would fail.
        assertThat(counts[slowIndex]).isLessThan(minOther / 3);
    }

    private static void release(Deque<long[]> queue, List<Endpoint> endpoints, long now) {
        // Each queue has one fixed delay, so it is ordered by finish time.
        while (!queue.isEmpty() && queue.peekFirst()[0] <= now) {
            endpoints.get((int) queue.pollFirst()[1]).release();
        }
    }

    /** The index of the endpoint with the strictly highest (inFlight + 1) / weight, or -1 on a tie. */
    private static int strictlyWorstScore(List<Endpoint> endpoints, List<Integer> loads) {
        int worst = 0;
        boolean tie = false;
        for (int i = 1; i < endpoints.size(); i++) {
            final long candidate = (loads.get(i) + 1L) * endpoints.get(worst).weight();
            final long current = (loads.get(worst) + 1L) * endpoints.get(i).weight();
            if (candidate > current) {
                worst = i;
                tie = false;
            } else if (candidate == current) {
                tie = true;
            }
        }
        return tie ? -1 : worst;
    }

    private static void setLoads(List<Endpoint> endpoints, List<Integer> loads) {
        for (int i = 0; i < endpoints.size(); i++) {
            for (int r = 0; r < loads.get(i); r++) {
                endpoints.get(i).acquire();
            }
        }
    }
}
