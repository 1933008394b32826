package dev.sluice.policy;

import dev.sluice.common.Ticker;
import dev.sluice.observability.GatewayMetrics;
import dev.sluice.policy.ratelimit.RateLimitBackend;

/**
 * Gateway-wide services a policy may use: the clock and, in cluster mode, the Redis-backed facilities. One
 * instance per gateway, created at startup.
 *
 * @param ticker     the clock policies read (a fake one in tests)
 * @param rateLimits cluster-wide rate-limit decisions (Redis), or {@code null} in embedded mode
 * @param metrics    the gateway's metrics
 */
public record PolicyServices(Ticker ticker, RateLimitBackend rateLimits, GatewayMetrics metrics) {
    /** Embedded mode with a private metrics registry (for validation and tests). */
    public static PolicyServices embedded() {
        return new PolicyServices(Ticker.system(), null, GatewayMetrics.create());
    }
}
