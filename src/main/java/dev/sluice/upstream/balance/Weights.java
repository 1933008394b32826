package dev.sluice.upstream.balance;

import dev.sluice.upstream.Endpoint;

/**
 * Integer weight arithmetic shared by the weighted balancers: reduction by the common divisor and proportional
 * scaling under a cap.
 */
final class Weights {
    private Weights() {
    }

    /**
     * Returns the endpoints' weights divided by their greatest common divisor and, if their sum still exceeds
     * {@code maxTotal}, scaled down proportionally (each at least 1, so no endpoint is ever starved).
     *
     * <p>After scaling the sum is at most {@code maxTotal + endpoints.length}: flooring can only lower a weight, and
     * the clamp to 1 adds at most one per endpoint. Each scaled weight is within one unit of its exact share, so the
     * relative error of an endpoint's share is at most {@code 1 / scaledWeight}.
     */
    static int[] reduced(Endpoint[] endpoints, long maxTotal) {
        final int[] weights = new int[endpoints.length];
        int gcd = 0;
        for (int i = 0; i < endpoints.length; i++) {
            weights[i] = endpoints[i].weight();
            gcd = gcd(gcd, weights[i]);
        }
        long total = 0;
        for (int i = 0; i < weights.length; i++) {
            weights[i] /= gcd;
            total += weights[i];
        }
        if (total <= maxTotal) {
            return weights;
        }
        int scaledGcd = 0;
        for (int i = 0; i < weights.length; i++) {
            // weights[i] <= 2^31 and maxTotal <= 2^31, so the product fits in a long.
            weights[i] = (int) Math.max(1, weights[i] * maxTotal / total);
            scaledGcd = gcd(scaledGcd, weights[i]);
        }
        for (int i = 0; i < weights.length; i++) {
            weights[i] /= scaledGcd;
        }
        return weights;
    }

    static long sum(int[] weights) {
        long total = 0;
        for (final int weight : weights) {
            total += weight;
        }
        return total;
    }

    static boolean allEqual(Endpoint[] endpoints) {
        for (final Endpoint endpoint : endpoints) {
            if (endpoint.weight() != endpoints[0].weight()) {
                return false;
            }
        }
        return true;
    }

    private static int gcd(int a, int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            final int t = x % y;
            x = y;
            y = t;
        }
        return x;
    }
}
