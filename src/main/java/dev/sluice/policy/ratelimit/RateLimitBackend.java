package dev.sluice.policy.ratelimit;

import dev.sluice.config.RateLimitSpec;
import java.util.concurrent.CompletionStage;

/**
 * Rate-limit decisions shared by every gateway instance of a cluster (implemented on Redis by
 * {@code dev.sluice.cluster}). Decisions have the same semantics as the local limiters.
 */
public interface RateLimitBackend {
    /**
     * Decides one request with one non-blocking round trip. The stage fails (quickly, within the command timeout)
     * when the backend is slow or unreachable; it may complete on any thread.
     *
     * @param policyId {@code routeId/policyName}, part of the shared key
     * @param key      the request's limit key
     */
    CompletionStage<RateLimitDecision> decide(String policyId, String key, RateLimitSpec spec);

    /** Gateway instances currently alive in the cluster (at least 1): the divisor of the local fallback limit. */
    int liveInstances();
}
