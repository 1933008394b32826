package dev.sluice.policy.ratelimit;

/**
 * The rate-limit state of one key on one gateway instance, decided lock-free.
 *
 * <p>Every implementation keeps its whole mutable state in one word (or one immutable snapshot) and changes it with a
 * single compare-and-set, so a decision is linearizable: concurrent callers see the same outcome as some serial order
 * of their calls. Rejections never change state, so a client that keeps hammering a closed limiter does not push its
 * own reopening further away. Callers pass the time explicitly, read from one {@link dev.sluice.common.Ticker}.
 *
 * <p>Time must be read from the same ticker for every call on one limiter. A caller whose reading is older than one
 * already applied (two threads racing) is treated as arriving at the later time or as-is, as each algorithm documents;
 * no algorithm ever admits more than its bound because of it.
 *
 * <pre>{@code
 * final LocalLimiter limiter = LimiterFactory.tokenBucket(Rate.perSecond(100), 50).newLimiter();
 * final long outcome = limiter.tryAcquireNanos(ticker.nanoTime());
 * if (!RateLimitDecision.isAllowed(outcome)) {
 *     // 429 with Retry-After: RateLimitDecision.retryAfterNanosOf(outcome)
 * }
 * }</pre>
 */
public interface LocalLimiter {
    /**
     * Decides one request arriving at {@code nowNanos} and returns the decision with its quota figures.
     *
     * @param nowNanos the current reading of the limiter's ticker
     */
    RateLimitDecision tryAcquire(long nowNanos);

    /**
     * Decides one request arriving at {@code nowNanos} without allocating; returns the compact outcome described in
     * {@link RateLimitDecision}: the delay in nanoseconds ({@code >= 0}) when admitted, {@code -1 - retryAfterNanos}
     * when rejected.
     *
     * @param nowNanos the current reading of the limiter's ticker
     */
    long tryAcquireNanos(long nowNanos);

    /** Returns the configured limit reported in {@link RateLimitDecision#limit()}. */
    long limit();

    /**
     * Returns how long after its last admission this limiter's state is indistinguishable from a new limiter's; a
     * keyed store may forget a key idle this long without changing any decision.
     */
    long idleHorizonNanos();
}
