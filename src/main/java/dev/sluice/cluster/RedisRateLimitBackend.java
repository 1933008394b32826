package dev.sluice.cluster;

import dev.sluice.config.RateLimitSpec;
import dev.sluice.policy.ratelimit.RateLimitBackend;
import dev.sluice.policy.ratelimit.RateLimitDecision;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The rate-limit policy's view of the cluster: translates a {@code rate_limit} spec into the matching Lua
 * limiter once, then runs one EVALSHA per decision.
 *
 * <p>While Redis has never been reached (the gateway started with Redis down), decisions fail at once with
 * {@link RedisUnavailableException}, so the policy applies its configured failure behaviour; the connection is
 * retried in the background by {@link ClusterServices}.
 */
final class RedisRateLimitBackend implements RateLimitBackend {
    private final Supplier<ClusterRateLimiter> limiter;
    private final Supplier<InstanceHeartbeat> heartbeat;

    RedisRateLimitBackend(Supplier<ClusterRateLimiter> limiter, Supplier<InstanceHeartbeat> heartbeat) {
        this.limiter = limiter;
        this.heartbeat = heartbeat;
    }

    @Override
    public SharedLimit prepare(String policyId, RateLimitSpec spec) {
        final ClusterLimiterSpec lua = translate(spec);
        return key -> {
            final ClusterRateLimiter l = limiter.get();
            if (l == null) {
                return CompletableFuture.failedFuture(new RedisUnavailableException("not connected to Redis yet", null));
            }
            return l.decide(lua, policyId, key).thenApply(RedisRateLimitBackend::toDecision);
        };
    }

    @Override
    public int liveInstances() {
        final InstanceHeartbeat h = heartbeat.get();
        return h == null ? 1 : h.liveInstances();
    }

    /** The Lua limiter with the same semantics as the local one {@code spec} describes. */
    static ClusterLimiterSpec translate(RateLimitSpec spec) {
        final var rate = spec.rate();
        switch (spec.algorithm()) {
            case TOKEN_BUCKET:
                return ClusterLimiterSpec.tokenBucket(rate.permits(), rate.period(),
                        spec.burst() != null ? spec.burst() : rate.permits());
            case LEAKY_BUCKET:
                final long burst = spec.burst() == null ? 0 : spec.burst();
                return ClusterLimiterSpec.leakyBucket(rate.permits(), rate.period(), burst,
                        spec.nodelay() ? burst : spec.delay() == null ? 0 : spec.delay());
            case FIXED_WINDOW:
                return ClusterLimiterSpec.fixedWindow(rate.permits(), rate.period());
            case SLIDING_WINDOW:
                return ClusterLimiterSpec.slidingWindow(rate.permits(), rate.period());
            case SLIDING_LOG:
                return ClusterLimiterSpec.slidingLog(rate.permits(), rate.period());
            default:
                throw new IllegalArgumentException("concurrency limits are local only (expected scope: local)");
        }
    }

    private static RateLimitDecision toDecision(ClusterDecision d) {
        return new RateLimitDecision(d.allowed(), d.limit(), d.remaining(), d.resetAfterNanos(), d.retryAfterNanos(),
                d.delayNanos());
    }
}
