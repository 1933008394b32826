package dev.sluice.policy.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Threading: lock-free. The whole state is one long (the theoretical arrival time), read with a volatile load and
 * replaced by one compareAndSet; a failed CAS re-reads and recomputes. Rejections write nothing.
 *
 * Invariants: tat is Long.MIN_VALUE (never used, so full) or the instant at which the bucket is full again if nothing
 * else arrives. Right after an admission at now, 0 < tat - now <= depth; tokens available at time t are
 * floor((depth - max(0, tat - t)) / interval).
 *
 * Algorithm: GCRA, virtual-scheduling form [1][2], which is exactly a token bucket with continuous refill:
 *   interval = floor(period / permits)      nanoseconds per token (emission interval T)
 *   depth    = capacity * interval          bucket depth in nanoseconds (tau + T)
 *   on a request at now:
 *     newTat = max(tat, now) + interval
 *     admit  iff newTat - now <= depth      then tat := newTat
 *     reject otherwise, retryAfter = newTat - now - depth
 * A new bucket is full: the first `capacity` requests at one instant are admitted, the next is rejected, and from then
 * on one token returns every `interval`. Flooring the interval rounds the rate up by less than one nanosecond per
 * token (relative error < 1 / interval, e.g. 1e-6 at 1,000 permits/s); it is never below the configured rate.
 *
 * Why GCRA rather than (tokens, lastRefill): one long instead of two fields, so one CAS and no packing; integer
 * nanoseconds with no fractional tokens to round; and the same three lines run in a Redis Lua script [2].
 *
 * References:
 * [1] ATM Forum Traffic Management Specification 4.0, Generic Cell Rate Algorithm (virtual scheduling).
 * [2] Brandur Leach, "Rate Limiting, Cells, and GCRA" (2015); redis-cell's CL.THROTTLE implements the same rule.
 */

/** A token bucket (capacity {@code burst}, refilled at {@code rate}) kept as a GCRA theoretical arrival time. */
final class TokenBucketLimiter implements LocalLimiter {
    private static final VarHandle TAT;

    static {
        try {
            TAT = MethodHandles.lookup().findVarHandle(TokenBucketLimiter.class, "tat", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Shared by every key of one policy: the per-key object is then just a header, this reference and a long. */
    private final Params params;
    @SuppressWarnings("unused") // accessed through TAT
    private volatile long tat = Long.MIN_VALUE;

    TokenBucketLimiter(Params params) {
        this.params = params;
    }

    @Override
    public RateLimitDecision tryAcquire(long nowNanos) {
        final RateLimitDecision.Quota quota = new RateLimitDecision.Quota();
        return RateLimitDecision.of(decide(nowNanos, quota), params.capacity, quota);
    }

    @Override
    public long tryAcquireNanos(long nowNanos) {
        return decide(nowNanos, null);
    }

    @Override
    public long limit() {
        return params.capacity;
    }

    @Override
    public long idleHorizonNanos() {
        // After `depth` without admissions, max(tat, now) == now again: the bucket is full, as a new one is.
        return params.depthNanos;
    }

    private long decide(long now, RateLimitDecision.Quota quota) {
        final long interval = params.intervalNanos;
        final long depth = params.depthNanos;
        for (;;) {
            final long current = (long) TAT.getVolatile(this);
            final long newTat = Math.max(current, now) + interval;
            final long debt = newTat - now;
            if (debt > depth) {
                if (quota != null) {
                    quota.set(0, current - now);
                }
                return RateLimitDecision.reject(debt - depth);
            }
            if (TAT.compareAndSet(this, current, newTat)) {
                if (quota != null) {
                    quota.set((depth - debt) / interval, debt);
                }
                return RateLimitDecision.admit(0);
            }
        }
    }

    @Override
    public String toString() {
        return "TokenBucketLimiter(capacity=" + params.capacity + ", interval=" + params.intervalNanos + "ns)";
    }

    /** The compiled, immutable parameters of one token-bucket policy. */
    static final class Params {
        final long capacity;
        final long intervalNanos;
        final long depthNanos;

        Params(long permits, long periodNanos, long capacity) {
            if (permits < 1) {
                throw new IllegalArgumentException("permits: " + permits + " (expected: >= 1)");
            }
            if (capacity < 1) {
                throw new IllegalArgumentException("burst: " + capacity + " (expected: >= 1)");
            }
            final long interval = periodNanos / permits;
            if (interval < 1) {
                throw new IllegalArgumentException("rate: " + permits + " per " + periodNanos
                        + "ns (expected: at most one permit per nanosecond)");
            }
            this.capacity = capacity;
            this.intervalNanos = interval;
            try {
                // Bounded so that newTat - now never overflows for any epoch-nanosecond reading.
                this.depthNanos = Math.multiplyExact(capacity, interval);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("burst: " + capacity + " (expected: burst * period / permits"
                        + " < 2^63 ns)", e);
            }
        }
    }
}
