package dev.sluice.policy.ratelimit;

import dev.sluice.config.Rate;
import dev.sluice.config.RateLimitSpec;
import dev.sluice.policy.Policy;
import dev.sluice.policy.PolicyContext;
import dev.sluice.policy.PolicyFactory;
import java.time.Duration;
import java.util.List;

/**
 * Builds {@code rate_limit} policies. The per-key limiters live in the state registry under
 * {@code routeId/policyName}, keyed by the parameters that shape them, so reloading a configuration that keeps
 * those parameters keeps every bucket.
 */
public final class RateLimitPolicyFactory implements PolicyFactory<RateLimitSpec> {
    /**
     * Keys tracked per policy. At about 160 bytes of state per key (docs/rate-limiting.md), 100,000 keys bound a
     * policy to roughly 16 MB however many distinct keys an attacker sprays; the least recently used are dropped.
     */
    static final long MAX_KEYS = 100_000;
    /** A concurrency key idle this long is forgotten; longer than any sane request so in-flight keys stay. */
    private static final Duration CONCURRENCY_HORIZON = Duration.ofMinutes(10);

    /** The parameters that shape a policy's limiters; a change to any of them starts fresh buckets. */
    private record Shape(RateLimitSpec.Algorithm algorithm, Rate rate, Integer burst, Integer delay, boolean nodelay,
            Integer limit, List<String> key, RateLimitSpec.Scope scope) {
        static Shape of(RateLimitSpec s) {
            return new Shape(s.algorithm(), s.rate(), s.burst(), s.delay(), s.nodelay(), s.limit(), s.key(),
                    s.scope());
        }
    }

    @Override
    public String type() {
        return RateLimitSpec.TYPE;
    }

    @Override
    public Class<RateLimitSpec> specType() {
        return RateLimitSpec.class;
    }

    @Override
    public Policy create(RateLimitSpec spec, PolicyContext context) {
        final String policyId = context.routeId() + "/" + spec.name();
        // Null when compiling offline (sluice validate): validation already ensured cluster.redis is set.
        final RateLimitBackend cluster = context.services().rateLimits();
        final RateLimitState state = context.state("rate_limit:" + policyId, Shape.of(spec),
                () -> new RateLimitState(spec, MAX_KEYS, context.services().ticker()));
        return new RateLimitPolicy(spec, policyId, state,
                RateLimitPolicy.Counters.of(context.services().metrics(), context.routeId(), spec.name()),
                context.services().ticker(), cluster);
    }

    /** The limiter factory for {@code spec}'s algorithm at {@code rate} (the configured one or a fallback share). */
    static LimiterFactory<? extends LocalLimiter> limiterFactory(RateLimitSpec spec, Rate rate) {
        switch (spec.algorithm()) {
            case TOKEN_BUCKET:
                return LimiterFactory.tokenBucket(rate, spec.burst() != null ? spec.burst() : rate.permits());
            case LEAKY_BUCKET:
                final long burst = spec.burst() == null ? 0 : spec.burst();
                return spec.nodelay() ? LimiterFactory.leakyBucketNodelay(rate, burst)
                        : LimiterFactory.leakyBucket(rate, burst, spec.delay() == null ? 0 : spec.delay());
            case FIXED_WINDOW:
                return LimiterFactory.fixedWindow(rate.permits(), rate.period());
            case SLIDING_WINDOW:
                return LimiterFactory.slidingWindow(rate.permits(), rate.period());
            case SLIDING_LOG:
                return LimiterFactory.slidingLog(rate.permits(), rate.period());
            default:
                return LimiterFactory.concurrency(spec.limit(), CONCURRENCY_HORIZON);
        }
    }
}
