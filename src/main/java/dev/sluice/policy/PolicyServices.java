package dev.sluice.policy;

import dev.sluice.common.Ticker;

/**
 * Gateway-wide services a policy may use: the clock and, in cluster mode, the Redis-backed facilities. One
 * instance per gateway, created at startup.
 *
 * @param ticker  the clock policies read (a fake one in tests)
 * @param cluster the cluster services, or {@code null} in embedded mode
 */
public record PolicyServices(Ticker ticker, Object cluster) {
    public static PolicyServices embedded() {
        return new PolicyServices(Ticker.system(), null);
    }
}
