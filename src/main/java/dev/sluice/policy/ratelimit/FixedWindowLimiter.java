package dev.sluice.policy.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Threading: lock-free. (window tag, count) is packed into one long and replaced by one compareAndSet. Rejections
 * write nothing.
 *
 * Invariants: count <= limit. The low `countBits` bits hold the count, the high bits hold the window index modulo
 * 2^(64 - countBits); a tag that matches neither means "another window", so count restarts at 0. Two windows alias
 * only when a key sleeps exactly a multiple of 2^(64 - countBits) windows (>= 2^40 windows for limits below 2^24,
 * 34 years of 1 ms windows); KeyedLimiters forgets a key after one idle window, long before.
 *
 * Algorithm: window = floor(now / windowNanos), aligned to the ticker's origin, which for Ticker.system() is the Unix
 * epoch, so every instance and the Redis script cut windows at the same instants. Admit iff the window's count of
 * admissions is below the limit, then count++. Rejected requests are not counted. A window's quota resets at its
 * end; the known cost is that up to 2 * limit requests can pass within any `window` straddling an edge.
 */

/** A fixed-window counter: at most {@code limit} admissions per epoch-aligned window. */
final class FixedWindowLimiter implements LocalLimiter {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(FixedWindowLimiter.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Params params;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile long state;

    FixedWindowLimiter(Params params) {
        this.params = params;
    }

    @Override
    public RateLimitDecision tryAcquire(long nowNanos) {
        final RateLimitDecision.Quota quota = new RateLimitDecision.Quota();
        return RateLimitDecision.of(decide(nowNanos, quota), params.limit, quota);
    }

    @Override
    public long tryAcquireNanos(long nowNanos) {
        return decide(nowNanos, null);
    }

    @Override
    public long limit() {
        return params.limit;
    }

    @Override
    public long idleHorizonNanos() {
        // The window of the last admission has ended at most one window length after it.
        return params.windowNanos;
    }

    private long decide(long now, RateLimitDecision.Quota quota) {
        final long window = Math.floorDiv(now, params.windowNanos);
        final long untilEnd = (window + 1) * params.windowNanos - now;
        final long tag = window & params.tagMask;
        final int countBits = params.countBits;
        for (;;) {
            final long current = (long) STATE.getVolatile(this);
            final long count = (current >>> countBits) == tag ? current & params.countMask : 0;
            if (count >= params.limit) {
                if (quota != null) {
                    quota.set(0, untilEnd);
                }
                return RateLimitDecision.reject(untilEnd);
            }
            if (STATE.compareAndSet(this, current, (tag << countBits) | (count + 1))) {
                if (quota != null) {
                    quota.set(params.limit - count - 1, untilEnd);
                }
                return RateLimitDecision.admit(0);
            }
        }
    }

    @Override
    public String toString() {
        return "FixedWindowLimiter(limit=" + params.limit + ", window=" + params.windowNanos + "ns)";
    }

    /** The compiled, immutable parameters of one fixed-window policy. */
    static final class Params {
        /** Limits up to 2^24 keep at least 40 tag bits (see the aliasing note above); larger ones are not sensible. */
        static final long MAX_LIMIT = 1L << 24;

        final long limit;
        final long windowNanos;
        final int countBits;
        final long countMask;
        final long tagMask;

        Params(long limit, long windowNanos) {
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("limit: " + limit + " (expected: 1.." + MAX_LIMIT + ")");
            }
            if (windowNanos < 1) {
                throw new IllegalArgumentException("window: " + windowNanos + "ns (expected: > 0)");
            }
            this.limit = limit;
            this.windowNanos = windowNanos;
            this.countBits = WideMath.bitsFor(limit);
            this.countMask = (1L << countBits) - 1;
            this.tagMask = -1L >>> countBits;
        }
    }
}
