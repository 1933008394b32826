package dev.sluice.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.upstream.Endpoint;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link LoadBalancer} promises; each implementation's test extends this class.
 */
abstract class LoadBalancerContractTest {
    private static final int THREADS = 4;
    private static final int PICKS_PER_THREAD = 50_000;

    /** Builds the balancer under test; {@code random} is the only randomness it may use. */
    abstract LoadBalancer create(List<Endpoint> endpoints, RandomSource random);

    /** Request contexts with varied keys, so hash-based balancers see many positions. */
    static FakePickContext[] contexts(int count) {
        final FakePickContext[] contexts = new FakePickContext[count];
        for (int i = 0; i < count; i++) {
            contexts[i] = FakePickContext.fromIp("192.0.2." + (i % 250))
                    .withPath("/items/" + i)
                    .withHeader("X-User", "user-" + i)
                    .withCookie("session", "s" + i);
        }
        return contexts;
    }

    @Test
    void pick_fiveEqualEndpoints_returnsOnlyListedEndpoints() {
        final List<Endpoint> endpoints = TestEndpoints.unweighted(5);
        final LoadBalancer balancer = create(endpoints, RandomSource.of(new SplittableRandom(1)));

        final Set<Endpoint> picked = new HashSet<>();
        for (final FakePickContext context : contexts(1_000)) {
            picked.add(balancer.pick(context));
        }

        assertThat(endpoints).containsAll(picked);
        // Every algorithm reaches every endpoint over 1,000 varied requests (hash ones with overwhelming probability).
        assertThat(picked).hasSize(5);
    }

    @Test
    void pick_weightedEndpoints_returnsOnlyListedEndpoints() {
        final List<Endpoint> endpoints = TestEndpoints.weighted(5, 1, 3, 1, 10);
        final LoadBalancer balancer = create(endpoints, RandomSource.of(new SplittableRandom(2)));

        final List<Endpoint> picked = new ArrayList<>();
        for (final FakePickContext context : contexts(1_000)) {
            picked.add(balancer.pick(context));
        }

        assertThat(picked).doesNotContainNull().isSubsetOf(endpoints);
    }

    @Test
    void pick_singleEndpoint_alwaysReturnsIt() {
        final Endpoint only = TestEndpoints.endpoint(0, 7);
        final LoadBalancer balancer = create(List.of(only), RandomSource.of(new SplittableRandom(3)));

        for (final FakePickContext context : contexts(200)) {
            assertThat(balancer.pick(context)).isSameAs(only);
        }
    }

    @Test
    void pick_contextWithoutKeys_returnsListedEndpoint() {
        final List<Endpoint> endpoints = TestEndpoints.unweighted(3);
        final LoadBalancer balancer = create(endpoints, RandomSource.of(new SplittableRandom(4)));

        assertThat(balancer.pick(FakePickContext.fromIp(null).withPath(null))).isIn(endpoints);
    }

    @Test
    void pick_concurrentPicksFromFourThreads_everyPickValid() throws Exception {
        final List<Endpoint> endpoints = TestEndpoints.weighted(3, 1, 2, 1, 1, 4, 1);
        final Set<Endpoint> valid = Set.copyOf(endpoints);
        final LoadBalancer balancer = create(endpoints, RandomSource.threadLocal());
        final FakePickContext[] contexts = contexts(997);
        // The barrier releases all threads together so their picks overlap instead of running one after another.
        final CyclicBarrier start = new CyclicBarrier(THREADS);
        final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            final List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                final int offset = t * 101;
                results.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    int invalid = 0;
                    for (int i = 0; i < PICKS_PER_THREAD; i++) {
                        if (!valid.contains(balancer.pick(contexts[(offset + i) % contexts.length]))) {
                            invalid++;
                        }
                    }
                    return invalid;
                }));
            }
            for (final Future<Integer> result : results) {
                // get() rethrows any exception a pick threw.
                assertThat(result.get(60, TimeUnit.SECONDS)).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void pick_warmBalancer_allocatesNothing() {
        final LoadBalancer balancer = create(TestEndpoints.weighted(3, 1, 2, 1, 1), RandomSource.threadLocal());
        final FakePickContext[] contexts = contexts(64);
        final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 10_000; i++) {
            balancer.pick(contexts[i & 63]);
        }

        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            balancer.pick(contexts[i & 63]);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        // A per-pick allocation would be >= 16 bytes * 100,000 picks; the slack covers the measuring call itself.
        assertThat(allocated).isLessThan(1_024);
    }
}
