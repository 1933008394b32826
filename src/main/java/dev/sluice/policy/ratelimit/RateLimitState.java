package dev.sluice.policy.ratelimit;

import dev.sluice.common.Ticker;
import dev.sluice.config.Rate;
import dev.sluice.config.RateLimitSpec;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The live state of one rate-limit policy: its per-key limiters. Kept in the
 * {@code StateRegistry} under {@code routeId/policyName}, so it survives reloads that leave the policy's limiting
 * parameters unchanged (a new message or header style keeps the buckets).
 */
final class RateLimitState {
    private final RateLimitSpec spec;
    private final long maxKeys;
    private final Ticker ticker;
    private final KeyedLimiters<? extends LocalLimiter> local;
    private final long limit;
    private final AtomicReference<Fallback> fallback = new AtomicReference<>();

    /** The local limiters used while Redis is down, for one count of live instances. */
    private record Fallback(int instances, KeyedLimiters<? extends LocalLimiter> limiters) {}

    RateLimitState(RateLimitSpec spec, long maxKeys, Ticker ticker) {
        this.spec = spec;
        this.maxKeys = maxKeys;
        this.ticker = ticker;
        final LimiterFactory<? extends LocalLimiter> factory = RateLimitPolicyFactory.limiterFactory(spec, spec.rate());
        this.local = KeyedLimiters.of(factory, maxKeys, ticker);
        this.limit = factory.newLimiter().limit();
    }

    KeyedLimiters<? extends LocalLimiter> local() {
        return local;
    }

    /** The quota reported in headers: the local limiter's limit. */
    long limit() {
        return limit;
    }

    /**
     * Local limiters at the cluster limit divided by {@code instances} (at least one permit), rebuilt when the number
     * of live instances changes.
     */
    KeyedLimiters<? extends LocalLimiter> fallback(int instances) {
        final int n = Math.max(1, instances);
        Fallback current = fallback.get();
        if (current == null || current.instances() != n) {
            final Rate rate = spec.rate();
            final Rate share = new Rate(Math.max(1, rate.permits() / n), rate.period());
            final Fallback next = new Fallback(n, KeyedLimiters.of(RateLimitPolicyFactory.limiterFactory(spec, share),
                    maxKeys, ticker));
            current = fallback.compareAndSet(current, next) ? next : fallback.get();
        }
        return current.limiters();
    }
}
