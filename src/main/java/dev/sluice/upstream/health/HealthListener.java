package dev.sluice.upstream.health;

import dev.sluice.upstream.Endpoint;

/**
 * Told when an endpoint's health, {@link EndpointHealth#isHealthy(long)}, changes because of an active check or an
 * outlier ejection.
 *
 * <p>Called exactly once per change, after the change is visible, by the thread whose update made it (an event loop
 * for probes and for ejections on the request path, the detector's scheduler for failure-rate ejections and for
 * readmissions), with no lock held.
 * Implementations must therefore be quick and must not block: hand the work (such as rebuilding a balancer) to
 * another thread. Changes made by different threads may be reported out of order, so a listener should treat a call
 * as "this endpoint changed" and re-read {@link EndpointHealth#isHealthy(long)} when it acts, not trust that the
 * {@code healthy} argument of the latest call it saw is still current.
 */
@FunctionalInterface
public interface HealthListener {
    /** A listener that ignores every change. */
    HealthListener NONE = (endpoint, healthy, reason) -> { };

    /**
     * Reports that {@code endpoint} became healthy or unhealthy.
     *
     * @param reason for people, e.g. {@code "3 failed probes: connection refused"} or {@code "ejection ended"}
     */
    void onHealthChanged(Endpoint endpoint, boolean healthy, String reason);
}
