package dev.sluice.cluster;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.ScriptOutputType;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/*
 * Threading: stateless apart from the lease sequence (an AtomicLong); callable from any thread, event loops included.
 * Nothing here blocks: a decision is one EVALSHA issued on Lettuce's connection, and the returned stage completes on
 * Lettuce's I/O thread.
 *
 * Invariants: one decision is one script call, which Redis runs atomically: concurrent decisions on one key from any
 * number of instances are serialized by Redis, so the limit holds cluster-wide exactly as it holds on one instance
 * for the local limiters. A failed call is never retried (it may have counted).
 *
 * Algorithm: each script mirrors its local twin in dev.sluice.policy.ratelimit (docs/rate-limiting.md), with the time
 * taken from Redis TIME, so instances' clocks do not matter. See docs/cluster-rate-limiting.md.
 */

/**
 * Decides rate limits shared by every gateway instance, one atomic Redis round trip per decision.
 *
 * <pre>{@code
 * final ClusterLimiterSpec spec = ClusterLimiterSpec.fixedWindow(1000, Duration.ofMinutes(1));
 * limiter.decide(spec, "users-api/rate_limit", clientIp).whenCompleteAsync((decision, failure) -> {
 *     if (failure != null) {
 *         // RedisUnavailableException: fail open, fail closed, or fall back to a local limiter
 *     } else if (!decision.allowed()) {
 *         // 429, Retry-After from decision.retryAfterNanos()
 *     }
 * }, ctx.executor());
 * }</pre>
 */
public final class ClusterRateLimiter {
    private final RedisClusterClient redis;
    /** Makes lease ids unique across instances without a Redis round trip of their own. */
    private final String leasePrefix;
    private final AtomicLong leaseSequence = new AtomicLong();

    /** Creates a limiter on {@code redis}; many limiters (one per policy, or one per gateway) may share a client. */
    public ClusterRateLimiter(RedisClusterClient redis) {
        this.redis = requireNonNull(redis, "redis");
        this.leasePrefix = UUID.randomUUID().toString().substring(0, 8) + '-';
    }

    /**
     * Decides one request for {@code key} under {@code policyId} with one Redis round trip.
     *
     * <p>The stage completes on a Lettuce I/O thread with the decision, or exceptionally with
     * {@link RedisUnavailableException} when Redis is down (at once), too slow (within the command timeout) or
     * refusing service. For {@link ClusterLimiterSpec.Concurrency}, an admitted decision carries a
     * {@link ClusterLease} to {@link #release(ClusterLease) release} when the exchange completes.
     *
     * @param spec     the algorithm and its parameters
     * @param policyId the stable id of the policy, e.g. {@code routeId/policyName}; no {@code :}, {@code {}, {@code }}
     * @param key      the client key (consumer, IP, header value, ...); any string
     * @throws IllegalArgumentException if {@code policyId} is empty or holds a reserved character
     */
    public CompletionStage<ClusterDecision> decide(ClusterLimiterSpec spec, String policyId, String key) {
        return decide(spec, policyId, key, LuaScript.SERVER_TIME);
    }

    /**
     * Returns one concurrency slot; the stage completes with {@code true}, or {@code false} when the lease had
     * already expired or been released (nothing changes then), or exceptionally with
     * {@link RedisUnavailableException}. An unreleased lease expires by itself after the spec's lease time.
     */
    public CompletionStage<Boolean> release(ClusterLease lease) {
        requireNonNull(lease, "lease");
        return redis.<List<Object>>runScript(LuaScript.CONCURRENCY_RELEASE, ScriptOutputType.MULTI,
                new String[] {lease.redisKey()}, lease.id())
                .thenApply(reply -> ((Long) reply.get(0)) == 1L);
    }

    /** Decides as if the request arrived at {@code nowMicros} (microseconds since the epoch); for tests. */
    CompletionStage<ClusterDecision> decideAt(ClusterLimiterSpec spec, String policyId, String key, long nowMicros) {
        return decide(spec, policyId, key, Long.toString(nowMicros));
    }

    private CompletionStage<ClusterDecision> decide(ClusterLimiterSpec spec, String policyId, String key,
            String time) {
        requireNonNull(spec, "spec");
        final LuaScript script;
        final String suffix;
        final String[] args;
        String leaseId = null;
        if (spec instanceof ClusterLimiterSpec.TokenBucket tb) {
            script = LuaScript.TOKEN_BUCKET;
            suffix = "tb";
            args = new String[] {time, Long.toString(tb.intervalNanos()), Long.toString(tb.depthNanos()),
                Long.toString(tb.burst())};
        } else if (spec instanceof ClusterLimiterSpec.LeakyBucket lb) {
            script = LuaScript.LEAKY_BUCKET;
            suffix = "lb";
            args = new String[] {time, Long.toString(lb.rateMilli()), Long.toString(lb.burst() * 1000),
                Long.toString(lb.delay() * 1000), Long.toString(lb.drainMillis()), Long.toString(lb.limit())};
        } else if (spec instanceof ClusterLimiterSpec.FixedWindow fw) {
            script = LuaScript.FIXED_WINDOW;
            suffix = "fw";
            args = new String[] {time, Long.toString(micros(fw.window().toNanos())), Long.toString(fw.limit())};
        } else if (spec instanceof ClusterLimiterSpec.SlidingWindow sw) {
            script = LuaScript.SLIDING_WINDOW;
            suffix = "sw";
            args = new String[] {time, Long.toString(micros(sw.window().toNanos())), Long.toString(sw.limit())};
        } else if (spec instanceof ClusterLimiterSpec.SlidingLog sl) {
            script = LuaScript.SLIDING_LOG;
            suffix = "sl";
            args = new String[] {time, Long.toString(micros(sl.window().toNanos())), Long.toString(sl.limit())};
        } else {
            final ClusterLimiterSpec.Concurrency cc = (ClusterLimiterSpec.Concurrency) spec;
            script = LuaScript.CONCURRENCY_ACQUIRE;
            suffix = "cc";
            leaseId = leasePrefix + leaseSequence.incrementAndGet();
            args = new String[] {time, Long.toString(cc.limit()), Long.toString(micros(cc.leaseTime().toNanos())),
                leaseId};
        }
        final String redisKey = ClusterKeys.limiter(policyId, key, suffix);
        final String lease = leaseId;
        return redis.<List<Object>>runScript(script, ScriptOutputType.MULTI, new String[] {redisKey}, args)
                .thenApply(reply -> toDecision(reply, redisKey, lease));
    }

    private static ClusterDecision toDecision(List<Object> reply, String redisKey, String leaseId) {
        // {allowed 0|1, limit, remaining, resetAfterNanos, retryAfterNanos, delayNanos}; Redis turns Lua numbers
        // into integer replies, which Lettuce hands over as Long.
        assert reply.size() == 6 : reply;
        final boolean allowed = (Long) reply.get(0) == 1L;
        return new ClusterDecision(allowed, (Long) reply.get(1), (Long) reply.get(2), (Long) reply.get(3),
                (Long) reply.get(4), (Long) reply.get(5),
                allowed && leaseId != null ? new ClusterLease(redisKey, leaseId) : null);
    }

    private static long micros(long nanos) {
        // The specs accept whole microseconds only, so this division is exact.
        return nanos / 1000;
    }
}
