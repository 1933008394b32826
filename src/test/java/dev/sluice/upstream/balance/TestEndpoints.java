package dev.sluice.upstream.balance;

import dev.sluice.upstream.Endpoint;
import java.util.ArrayList;
import java.util.List;

/** Builds endpoint lists for tests: endpoint {@code i} is {@code 10.0.(i / 256).(i % 256):8080}. */
final class TestEndpoints {
    private TestEndpoints() {
    }

    static Endpoint endpoint(int index, int weight) {
        return new Endpoint("10.0." + (index / 256) + "." + (index % 256), 8080, weight);
    }

    static List<Endpoint> weighted(int... weights) {
        final List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            endpoints.add(endpoint(i, weights[i]));
        }
        return endpoints;
    }

    static List<Endpoint> weighted(List<Integer> weights) {
        return weighted(weights.stream().mapToInt(Integer::intValue).toArray());
    }

    static List<Endpoint> unweighted(int count) {
        final List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            endpoints.add(endpoint(i, 1));
        }
        return endpoints;
    }
}
