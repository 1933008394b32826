package dev.sluice.policy;

import dev.sluice.common.Ticker;
import dev.sluice.policy.ratelimit.RateLimitBackend;

/**
 * Gateway-wide services a policy may use: the clock and, in cluster mode, the Redis-backed facilities. One
 * instance per gateway, created at startup.
 *
 * @param ticker     the clock policies read (a fake one in tests)
 * @param rateLimits cluster-wide rate-limit decisions (Redis), or {@code null} in embedded mode
 */
public record PolicyServices(Ticker ticker, RateLimitBackend rateLimits) {
    public static PolicyServices embedded() {
        return new PolicyServices(Ticker.system(), null);
    }
}
