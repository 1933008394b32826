package dev.sluice.config;

import java.time.Duration;

/**
 * Upstream keep-alive pool limits; one pool exists per event loop and target.
 *
 * @param maxConnections most connections one pool opens to one target; further requests wait
 * @param maxPending     most requests that may wait for a connection; beyond this they are answered 503
 * @param idleTimeout    an idle pooled connection older than this is closed
 */
public record PoolSpec(int maxConnections, int maxPending, Duration idleTimeout) {
    public PoolSpec {
        // 1024 per loop: higher than any benchmark's concurrency, low enough to bound fd use per target.
        maxConnections = maxConnections == 0 ? 1024 : maxConnections;
        maxPending = maxPending == 0 ? 1024 : maxPending;
        idleTimeout = idleTimeout == null ? Duration.ofSeconds(60) : idleTimeout;
    }

    public static PoolSpec defaults() {
        return new PoolSpec(0, 0, null);
    }
}
