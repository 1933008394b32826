package dev.sluice.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.upstream.Endpoint;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Properties of {@link RandomBalancer}. */
class RandomBalancerPropertyTest {
    private static final PickContext ANY = FakePickContext.fromIp("192.0.2.1");
    private static final int PICKS = 200_000;

    @Property(tries = 100)
    void pick_manyPicks_sharesWithinOnePointOfWeights(
            @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 1, max = 20) Integer> weights,
            @ForAll long seed) {
        final List<Endpoint> endpoints = TestEndpoints.weighted(weights);
        final LoadBalancer balancer =
                new RandomBalancer(endpoints.toArray(new Endpoint[0]), RandomSource.of(new SplittableRandom(seed)));
        final double total = weights.stream().mapToInt(Integer::intValue).sum();

        final int[] counts = new int[endpoints.size()];
        for (int i = 0; i < PICKS; i++) {
            counts[endpoints.indexOf(balancer.pick(ANY))]++;
        }

        // A share's standard deviation is at most sqrt(0.25 / 200,000) = 0.0011, so 0.01 is about 9 sigma.
        for (int i = 0; i < counts.length; i++) {
            assertThat(counts[i] / (double) PICKS).as("share of endpoint %d", i)
                    .isCloseTo(weights.get(i) / total, within(0.01));
        }
    }
}
