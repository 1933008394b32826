package dev.sluice.config;

import java.time.Duration;

/**
 * The fleet of gateway instances sharing one Redis: rate-limit counters now, configuration and registry later.
 *
 * @param redis          {@code redis://[password@]host:port[/db]}; absent means embedded mode (no cluster)
 * @param name           the cluster's name, part of every Redis key, so several fleets can share one Redis
 * @param commandTimeout how long a Redis command may take before the configured failure behaviour applies
 */
public record ClusterSpec(String redis, String name, Duration commandTimeout) {
    public ClusterSpec {
        name = name == null ? "sluice" : name;
        // 100 ms: a Redis round trip on a LAN is well under a millisecond; longer means it is in trouble.
        commandTimeout = commandTimeout == null ? Duration.ofMillis(100) : commandTimeout;
    }

    public static ClusterSpec none() {
        return new ClusterSpec(null, null, null);
    }

    public boolean isEnabled() {
        return redis != null;
    }
}
