package dev.sluice.upstream.balance;

import dev.sluice.config.HashOn;
import dev.sluice.upstream.Endpoint;
import io.netty.util.AsciiString;
import java.util.Arrays;
import java.util.Comparator;

/*
 * Threading: pick() is lock-free and allocation-free (beyond what PickContext does to produce the key); the ring
 * is built once, in the constructor, on the config thread, and never mutated.
 *
 * Ownership: points and owners are private parallel arrays, never exposed.
 *
 * Invariants: points is sorted ascending (signed order) and owners[k] owns points[k]. An endpoint's points depend
 * only on its own key and weight (and on the ring scale, below), never on the other endpoints, and ties between equal
 * points are broken by endpoint key, so an endpoint's position on the ring does not change when others come or go.
 *
 * Algorithm: a hash ring with virtual nodes, as in ketama [1]. Each endpoint gets POINTS_PER_WEIGHT (160) points per
 * unit of weight, at fmix64(hash(key) + k * golden ratio). A request key hashes to a position and goes to the owner
 * of the first point at or after it, wrapping around. Lookup is a binary search, O(log points): about 14 steps for
 * 100 endpoints of weight 1.
 *
 * Why a ring and not Maglev [2]: the ring gives the strict minimal-disruption guarantee - adding an endpoint moves
 * only keys onto the new endpoint, removing one moves only its own keys - which is what cache affinity needs. Maglev
 * looks up in O(1) but on a membership change also reshuffles a few percent of keys between surviving endpoints.
 * At gateway sizes the ring's binary search costs tens of nanoseconds (see BalancerBenchmark), far from the bottleneck.
 * 160 points per weight unit, ketama's choice, makes the standard deviation of an endpoint's share of the ring about
 * 1/sqrt(160 * weight), 8% of its mean at weight 1; more points buy little evenness for a lot of memory.
 *
 * Cap: the ring has at most MAX_POINTS (2^20, 12 MiB) points. When 160 * sum(weights) exceeds that, every endpoint's
 * point count is scaled by the same factor (at least 1 point each). Points are a prefix k = 0.. of each endpoint's
 * sequence, so scaling keeps the guarantee for keys on the kept points only; the strict guarantee therefore holds
 * between two rings whose sum(weights) is at most MAX_POINTS / 160 = 6553 (documented in docs/load-balancing.md).
 *
 * Key: from PickContext per HashOn. When the header or cookie is absent or empty, the client IP is used instead, so a
 * client without the cookie still sticks to one endpoint; when even that is absent the empty key is used.
 *
 * References:
 * [1] R. Jones, "libketama: consistent hashing library for memcache clients", last.fm, 2007.
 * [2] D. E. Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer", NSDI 2016.
 * [3] D. Karger et al., "Consistent Hashing and Random Trees", STOC 1997.
 */

/** Consistent hashing on a ketama-style ring with virtual nodes, keyed by a header, cookie, client IP or path. */
final class ConsistentHashBalancer implements LoadBalancer {
    /** Virtual nodes per unit of weight, as in ketama. */
    static final int POINTS_PER_WEIGHT = 160;
    /** Largest ring; see the class comment. */
    static final int MAX_POINTS = 1 << 20;
    /** 2^64 / golden ratio: spaces an endpoint's point seeds evenly before fmix64 scrambles them. */
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final HashOn.Source source;
    /** The header or cookie name; an {@link AsciiString} so Netty header lookups reuse its cached hash code. */
    private final AsciiString headerName;
    private final String cookieName;
    private final long[] points;
    private final Endpoint[] owners;

    ConsistentHashBalancer(Endpoint[] endpoints, HashOn hashOn) {
        assert endpoints.length > 0 : "the factory rejects an empty list";
        this.source = hashOn.source();
        this.headerName = source == HashOn.Source.HEADER ? AsciiString.of(hashOn.name()) : null;
        this.cookieName = source == HashOn.Source.COOKIE ? hashOn.name() : null;

        long totalWeight = 0;
        for (final Endpoint endpoint : endpoints) {
            totalWeight += endpoint.weight();
        }
        final long wanted = totalWeight * POINTS_PER_WEIGHT;
        final Point[] ring = new Point[(int) Math.min(wanted, MAX_POINTS + (long) endpoints.length)];
        int size = 0;
        for (final Endpoint endpoint : endpoints) {
            final long count = wanted <= MAX_POINTS
                    ? (long) endpoint.weight() * POINTS_PER_WEIGHT
                    : Math.max(1, (long) endpoint.weight() * POINTS_PER_WEIGHT * MAX_POINTS / wanted);
            final long seed = Hash64.hash(endpoint.key());
            for (long k = 0; k < count; k++) {
                ring[size++] = new Point(Hash64.mix(seed + k * GOLDEN), endpoint);
            }
        }
        final Point[] sorted = Arrays.copyOf(ring, size);
        Arrays.sort(sorted, Comparator.comparingLong(Point::hash).thenComparing(p -> p.owner().key()));
        this.points = new long[size];
        this.owners = new Endpoint[size];
        for (int i = 0; i < size; i++) {
            points[i] = sorted[i].hash();
            owners[i] = sorted[i].owner();
        }
    }

    @Override
    public Endpoint pick(PickContext request) {
        return ownerOf(Hash64.hash(keyOf(request)));
    }

    /** The endpoint that owns ring position {@code hash}: the owner of the first point at or after it. */
    Endpoint ownerOf(long hash) {
        int low = 0;
        int high = points.length;
        while (low < high) {
            final int mid = (low + high) >>> 1;
            if (points[mid] < hash) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        // Past the last point the ring wraps to the first.
        return owners[low == points.length ? 0 : low];
    }

    /** The number of points on the ring. */
    int size() {
        return points.length;
    }

    private CharSequence keyOf(PickContext request) {
        final String key = switch (source) {
            case HEADER -> request.header(headerName);
            case COOKIE -> request.cookie(cookieName);
            case CLIENT_IP -> request.clientIp();
            case PATH -> request.path();
        };
        if (key != null && !key.isEmpty()) {
            return key;
        }
        final String clientIp = request.clientIp();
        return clientIp == null ? "" : clientIp;
    }

    @Override
    public String toString() {
        return "ConsistentHashBalancer(" + source + ", " + points.length + " points)";
    }

    private record Point(long hash, Endpoint owner) {
    }
}
