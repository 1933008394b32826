package dev.sluice.cluster;

import static java.util.Objects.requireNonNull;

/**
 * One in-flight slot taken from a cluster-wide concurrency limit; release it exactly once with
 * {@link ClusterRateLimiter#release(ClusterLease)} when the exchange completes, whatever its outcome.
 *
 * <p>A lease that is never released (the instance died, or the caller lost it) expires on its own after the spec's
 * lease time, so a crashed instance cannot hold capacity forever.
 *
 * @param redisKey the sorted set that holds the limit's leases
 * @param id       this lease's member in that set, unique per acquisition
 */
public record ClusterLease(String redisKey, String id) {
    /** Checks that both parts are present. */
    public ClusterLease {
        requireNonNull(redisKey, "redisKey");
        requireNonNull(id, "id");
    }
}
