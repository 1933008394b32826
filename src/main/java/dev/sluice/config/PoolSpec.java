package dev.sluice.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * Upstream keep-alive pool limits; one pool exists per event loop and target.
 *
 * <p>Defaults apply only to absent keys (see {@link #defaults()}); an explicit 0 is kept so the validator can
 * reject it instead of it silently turning into 1024.
 *
 * @param maxConnections most connections one pool opens to one target; further requests wait (default 1024)
 * @param maxPending     most requests that may wait for a connection; beyond this they are answered 503 (default 1024)
 * @param idleTimeout    an idle pooled connection older than this is closed (default 60s)
 */
public record PoolSpec(int maxConnections, int maxPending, Duration idleTimeout) {
    // 1024 per loop: higher than any benchmark's concurrency, low enough to bound fd use per target.
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    public static final int DEFAULT_MAX_PENDING = 1024;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    public PoolSpec {
        idleTimeout = idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout;
    }

    /** Every field at its default. */
    public static PoolSpec defaults() {
        return new PoolSpec(DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PENDING, DEFAULT_IDLE_TIMEOUT);
    }

    /** Binding entry point: absent keys take their defaults, explicit values are kept for validation. */
    @JsonCreator
    static PoolSpec fromConfig(
            @JsonProperty("max_connections") Integer maxConnections,
            @JsonProperty("max_pending") Integer maxPending,
            @JsonProperty("idle_timeout") Duration idleTimeout) {
        return new PoolSpec(
                maxConnections == null ? DEFAULT_MAX_CONNECTIONS : maxConnections,
                maxPending == null ? DEFAULT_MAX_PENDING : maxPending,
                idleTimeout);
    }
}
