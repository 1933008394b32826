package dev.sluice.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The gateway's metrics: one Micrometer registry in Prometheus format, and the metric names, declared here once.
 *
 * <p>Names follow {@code sluice.<area>.<measure>} and are exported as {@code sluice_<area>_<measure>} (counters gain
 * {@code _total}). Hot paths look their counters up when a snapshot compiles, never per request.
 *
 * <p>Threading: Micrometer meters are thread-safe; lookups are for the config thread and background threads.
 */
public final class GatewayMetrics {
    /** Retries of upstream attempts; tags {@code route}, {@code upstream}. */
    public static final String RETRIES = "sluice.upstream.retries";
    /** Retries not made because the upstream's retry budget was used up; tags {@code route}, {@code upstream}. */
    public static final String RETRIES_BUDGET_EXHAUSTED = "sluice.upstream.retries.budget.exhausted";
    /** Circuit breaker state changes; tags {@code breaker}, {@code from}, {@code to}. */
    public static final String BREAKER_TRANSITIONS = "sluice.breaker.transitions";
    /** Requests a breaker answered without touching the upstream; tag {@code breaker}. */
    public static final String BREAKER_REJECTED = "sluice.breaker.rejected";
    /** Endpoint health changes; tags {@code upstream}, {@code endpoint}, {@code to} (healthy, unhealthy). */
    public static final String HEALTH_CHANGES = "sluice.upstream.health.changes";
    /** Requests answered by a route's fallback; tags {@code route}, {@code reason} (an error code or status_NNN). */
    public static final String FALLBACKS = "sluice.route.fallbacks";
    /**
     * Requests refused by a concurrency limit; tags {@code limit} (route/ID or upstream/NAME) and {@code reason}
     * ({@code full}, {@code queue_full}, {@code queue_timeout}).
     */
    public static final String CONCURRENCY_REJECTED = "sluice.concurrency.rejected";

    /** Rate-limit decisions; tags {@code route}, {@code policy}, {@code decision} (admitted, rejected, shadow_rejected). */
    public static final String RATE_LIMIT_DECISIONS = "sluice.ratelimit.decisions";
    /** Cluster rate-limit decisions Redis did not answer in time; tags {@code route}, {@code policy}. */
    public static final String RATE_LIMIT_REDIS_FAILURES = "sluice.ratelimit.redis.failures";

    private final PrometheusMeterRegistry registry;

    private GatewayMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    /** A fresh registry. */
    public static GatewayMetrics create() {
        return new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }

    /** The counter {@code name} with {@code tags} (name/value pairs), created on first use. */
    public Counter counter(String name, String... tags) {
        return registry.counter(name, tags);
    }

    /** The current count of a counter, 0 when it was never created (for tests and the admin API). */
    public double count(String name, String... tags) {
        final Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }
}
