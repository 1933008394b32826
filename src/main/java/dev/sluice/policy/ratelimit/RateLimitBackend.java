package dev.sluice.policy.ratelimit;

import dev.sluice.config.RateLimitSpec;
import java.util.concurrent.CompletionStage;

/**
 * Rate-limit decisions shared by every gateway instance of a cluster (implemented on Redis by
 * {@code dev.sluice.cluster}). Decisions have the same semantics as the local limiters.
 */
public interface RateLimitBackend {
    /**
     * Prepares decisions for one policy. Called while a snapshot compiles (never on an event loop), so the
     * per-request path does no translation work.
     *
     * @param policyId {@code routeId/policyName}, part of the shared key
     * @throws IllegalArgumentException when the backend cannot represent {@code spec}
     */
    SharedLimit prepare(String policyId, RateLimitSpec spec);

    /** Gateway instances currently alive in the cluster (at least 1): the divisor of the local fallback limit. */
    int liveInstances();

    /** One policy's shared limit. */
    interface SharedLimit {
        /**
         * Decides one request with one non-blocking round trip. The stage fails quickly (within the command
         * timeout, or at once while the backend is known to be down) when the backend is slow or unreachable; it
         * may complete on any thread.
         */
        CompletionStage<RateLimitDecision> decide(String key);
    }
}
