package dev.sluice.upstream.pool;

/**
 * Limits of one connection pool, compiled from the upstream's configuration.
 *
 * @param maxConnections   most open connections (idle + busy + connecting) per event loop and endpoint
 * @param maxPending       most acquirers waiting for a connection; more fail at once
 * @param idleTimeoutNanos idle connections older than this are closed
 */
public record PoolSettings(int maxConnections, int maxPending, long idleTimeoutNanos) {
    public PoolSettings {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: > 0)");
        }
        if (maxPending < 0) {
            throw new IllegalArgumentException("maxPending: " + maxPending + " (expected: >= 0)");
        }
    }
}
