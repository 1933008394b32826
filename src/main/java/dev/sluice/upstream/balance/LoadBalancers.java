package dev.sluice.upstream.balance;

import dev.sluice.config.BalancerKind;
import dev.sluice.config.HashOn;
import dev.sluice.upstream.Endpoint;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Builds the {@link LoadBalancer} for an upstream's balancer kind and endpoint list.
 *
 * <p>A balancer is immutable apart from its pick counter and may precompute schedules or rings, so build a new one
 * whenever the endpoint list changes; building runs on the config thread, never on an event loop.
 *
 * <pre>{@code
 * LoadBalancer balancer = LoadBalancers.create(BalancerKind.CONSISTENT_HASH,
 *         new HashOn(HashOn.Source.COOKIE, "session"), endpoints, RandomSource.threadLocal());
 * Endpoint endpoint = balancer.pick(exchange);
 * }</pre>
 */
public final class LoadBalancers {
    private LoadBalancers() {
    }

    /**
     * Creates a balancer with the production random source, {@link RandomSource#threadLocal()}.
     *
     * @see #create(BalancerKind, HashOn, List, RandomSource)
     */
    public static LoadBalancer create(BalancerKind kind, HashOn hashOn, List<Endpoint> endpoints) {
        return create(kind, hashOn, endpoints, RandomSource.threadLocal());
    }

    /**
     * Creates a balancer.
     *
     * @param kind      the algorithm
     * @param hashOn    what {@link BalancerKind#CONSISTENT_HASH} hashes; required for it, ignored (may be
     *                  {@code null}) for the other kinds
     * @param endpoints the endpoints, non-empty, with distinct {@link Endpoint#key() keys}; the list is copied
     * @param random    the randomness for random picks and for the round robins' starting offsets; must be safe for
     *                  concurrent calls if picks run on several threads
     * @throws IllegalArgumentException if {@code endpoints} is empty or has a duplicate key, or if {@code kind} is
     *                                  {@code CONSISTENT_HASH} and {@code hashOn} is {@code null}, or a header or
     *                                  cookie {@code hashOn} has no name
     */
    public static LoadBalancer create(BalancerKind kind, HashOn hashOn, List<Endpoint> endpoints,
            RandomSource random) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(endpoints, "endpoints");
        Objects.requireNonNull(random, "random");
        final Endpoint[] array = endpoints.toArray(new Endpoint[0]);
        if (array.length == 0) {
            throw new IllegalArgumentException("endpoints: [] (expected: at least one endpoint)");
        }
        final Set<String> keys = new HashSet<>();
        for (int i = 0; i < array.length; i++) {
            final Endpoint endpoint = array[i];
            if (endpoint == null) {
                throw new NullPointerException("endpoints[" + i + "]");
            }
            if (!keys.add(endpoint.key())) {
                // A duplicate would silently double an endpoint's share; the ring orders ties by key, so keys must
                // be distinct.
                throw new IllegalArgumentException(
                        "endpoints: duplicate " + endpoint.key() + " (expected: distinct host:port keys)");
            }
        }
        return switch (kind) {
            case ROUND_ROBIN -> new RoundRobinBalancer(array, random.nextInt(array.length));
            case WEIGHTED_ROUND_ROBIN -> new SmoothWeightedRoundRobinBalancer(array, random);
            case RANDOM -> new RandomBalancer(array, random);
            case LEAST_REQUEST -> new LeastRequestBalancer(array, random);
            case CONSISTENT_HASH -> new ConsistentHashBalancer(array, checkHashOn(hashOn));
        };
    }

    private static HashOn checkHashOn(HashOn hashOn) {
        if (hashOn == null) {
            throw new IllegalArgumentException(
                    "hashOn: null (expected: header:<name>, cookie:<name>, client_ip or path for consistent_hash)");
        }
        Objects.requireNonNull(hashOn.source(), "hashOn.source");
        final boolean named = hashOn.source() == HashOn.Source.HEADER || hashOn.source() == HashOn.Source.COOKIE;
        if (named && (hashOn.name() == null || hashOn.name().isBlank())) {
            final String source = hashOn.source().name().toLowerCase(Locale.ROOT);
            throw new IllegalArgumentException(
                    "hashOn: " + source + " without a name (expected: " + source + ":<name>)");
        }
        return hashOn;
    }
}
