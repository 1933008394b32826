package dev.sluice.upstream.balance;

import dev.sluice.upstream.Endpoint;

/*
 * Threading: pick() is lock-free and allocation-free; the only shared state is the injected RandomSource, which is
 * thread-safe in production (RandomSource.threadLocal()).
 *
 * Invariants: cumulative[i] is the sum of the reduced weights of endpoints 0..i, strictly increasing (every weight
 * is >= 1), and cumulative[n - 1] == total <= MAX_TOTAL.
 *
 * Algorithm: with equal weights, a uniform index. Otherwise draw r uniformly from [0, total) and take the first i
 * with r < cumulative[i] (binary search, O(log n)): endpoint i is chosen with probability w_i / total exactly.
 * The alias method would be O(1) but needs two random draws per pick; at gateway sizes (n <= a few hundred) the
 * binary search is no slower, and it is exact with integer weights. Weights are reduced by their gcd and, only if
 * they sum above 2^30, scaled proportionally (see Weights.reduced) so that nextInt's int bound cannot overflow.
 */

/** Random choice, weighted by endpoint weight when the weights differ. */
final class RandomBalancer implements LoadBalancer {
    private static final long MAX_TOTAL = 1 << 30;

    private final Endpoint[] endpoints;
    private final RandomSource random;
    /** {@code null} when all weights are equal and the choice is uniform. */
    private final int[] cumulative;
    private final int total;

    RandomBalancer(Endpoint[] endpoints, RandomSource random) {
        assert endpoints.length > 0 : "the factory rejects an empty list";
        this.endpoints = endpoints;
        this.random = random;
        if (Weights.allEqual(endpoints)) {
            this.cumulative = null;
            this.total = endpoints.length;
        } else {
            final int[] weights = Weights.reduced(endpoints, MAX_TOTAL);
            this.cumulative = new int[weights.length];
            int sum = 0;
            for (int i = 0; i < weights.length; i++) {
                sum += weights[i];
                cumulative[i] = sum;
            }
            this.total = sum;
        }
    }

    @Override
    public Endpoint pick(PickContext request) {
        if (cumulative == null) {
            return endpoints[random.nextInt(endpoints.length)];
        }
        final int r = random.nextInt(total);
        // Lower bound: the first i with r < cumulative[i]. Exists because r < total == cumulative[n - 1].
        int low = 0;
        int high = cumulative.length - 1;
        while (low < high) {
            final int mid = (low + high) >>> 1;
            if (r < cumulative[mid]) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return endpoints[low];
    }

    @Override
    public String toString() {
        return "RandomBalancer(" + endpoints.length + " endpoints, total weight " + total + ")";
    }
}
