package dev.sluice.policy.ratelimit;

/**
 * The outcome of one rate-limit check, with the quota figures a caller needs for {@code RateLimit-*} and
 * {@code Retry-After} response headers.
 *
 * <p>Two forms exist. This record is the rich form, returned by {@link LocalLimiter#tryAcquire(long)}; it costs one
 * small allocation per call unless the JIT scalar-replaces it. The compact form is a single {@code long} returned by
 * {@link LocalLimiter#tryAcquireNanos(long)} and never allocates: a value {@code >= 0} means admitted after that many
 * nanoseconds of delay (0 = forward at once), a value {@code < 0} means rejected and encodes
 * {@code retryAfterNanos} as {@code -1 - outcome}. Decode it with {@link #isAllowed(long)},
 * {@link #delayNanosOf(long)} and {@link #retryAfterNanosOf(long)}. The request path uses the compact form unless the
 * route asks for quota headers (see docs/rate-limiting.md, "Allocation").
 *
 * @param allowed         whether the request is admitted
 * @param limit           the configured limit: requests per window, bucket capacity, or in-flight maximum
 * @param remaining       how many more requests would be admitted at this same instant, after this one
 * @param resetAfterNanos how long until the limiter is back to its full, idle quota if nothing else arrives
 * @param retryAfterNanos 0 when allowed; otherwise the shortest wait after which the same request would be admitted
 * @param delayNanos      leaky bucket only: how long the caller must hold an admitted request before forwarding it
 *                        (without blocking a thread); 0 for every other algorithm and for every rejection
 */
public record RateLimitDecision(
        boolean allowed, long limit, long remaining, long resetAfterNanos, long retryAfterNanos, long delayNanos) {

    /** Returns whether a compact outcome from {@link LocalLimiter#tryAcquireNanos(long)} admits the request. */
    public static boolean isAllowed(long outcome) {
        return outcome >= 0;
    }

    /** Returns the delay of an admitted compact outcome, or 0 for a rejection. */
    public static long delayNanosOf(long outcome) {
        return outcome >= 0 ? outcome : 0;
    }

    /** Returns the retry-after of a rejected compact outcome, or 0 for an admission. */
    public static long retryAfterNanosOf(long outcome) {
        return outcome < 0 ? -1 - outcome : 0;
    }

    /** Encodes an admission after {@code delayNanos} (>= 0) as a compact outcome. */
    static long admit(long delayNanos) {
        assert delayNanos >= 0 : delayNanos;
        return delayNanos;
    }

    /** Encodes a rejection with {@code retryAfterNanos} (>= 0) as a compact outcome. */
    static long reject(long retryAfterNanos) {
        assert retryAfterNanos >= 0 : retryAfterNanos;
        return -1 - retryAfterNanos;
    }

    /** Builds the rich form from a compact outcome and the quota figures the limiter wrote into {@code quota}. */
    static RateLimitDecision of(long outcome, long limit, Quota quota) {
        final boolean allowed = isAllowed(outcome);
        return new RateLimitDecision(allowed, limit, allowed ? quota.remaining : 0, quota.resetAfterNanos,
                retryAfterNanosOf(outcome), delayNanosOf(outcome));
    }

    /**
     * The quota figures of one decision, filled in by the winning CAS iteration; one per rich call, so never shared.
     * Kept separate from the record so the compact path computes none of it.
     */
    static final class Quota {
        long remaining;
        long resetAfterNanos;

        void set(long remaining, long resetAfterNanos) {
            this.remaining = remaining;
            this.resetAfterNanos = resetAfterNanos;
        }
    }
}
