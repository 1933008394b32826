package dev.sluice.policy.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Threading: lock-free. The state is one immutable long[] (the admission times still inside the window), replaced
 * copy-on-write by one compareAndSet on the reference. Rejections write nothing and allocate nothing.
 *
 * Invariants: the published array is never written after publication; it holds at most `limit` times, each admitted
 * at most `window` before the admission that published it. Entries are not necessarily sorted: two threads may CAS
 * in an order different from their clock readings, which is why the algorithm counts rather than looking at one end.
 *
 * Algorithm: exact sliding log. For a request at now, count the stored times t with now - t < window, i.e. the
 * admissions in (now - window, now]. Admit iff count < limit; publish those live times plus now. Retry-after for a
 * rejection is (oldest live time) + window - now, the instant the oldest admission leaves the window.
 *
 * Why copy-on-write instead of a ring with per-slot CAS: the check ("is the L-th newest admission older than the
 * window?") and the insert must be one atomic step. With a shared ring, the winner of slot s can be descheduled after
 * claiming s and before writing its time, while L later admissions wrap around and read the stale slot as the
 * L-th newest; fixing that needs generation tags in each slot and helping, i.e. a lock-free queue. One CAS on an
 * immutable array is linearizable by construction. It costs O(limit) copying and 16 + 8 * count bytes per
 * admission, which is why this algorithm is offered for small limits only (MAX_LIMIT, below) and the sliding-window
 * estimator is the choice for large ones.
 */

/** An exact sliding-log limiter: at most {@code limit} admissions in any interval of length {@code window}. */
final class SlidingLogLimiter implements LocalLimiter {
    private static final long[] EMPTY = new long[0];
    private static final VarHandle LOG;

    static {
        try {
            LOG = MethodHandles.lookup().findVarHandle(SlidingLogLimiter.class, "log", long[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Params params;
    @SuppressWarnings("unused") // accessed through LOG
    private volatile long[] log = EMPTY;

    SlidingLogLimiter(Params params) {
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
        return params.windowNanos;
    }

    private long decide(long now, RateLimitDecision.Quota quota) {
        final long window = params.windowNanos;
        for (;;) {
            final long[] current = (long[]) LOG.getVolatile(this);
            int live = 0;
            long oldest = Long.MAX_VALUE;
            long newest = Long.MIN_VALUE;
            for (final long t : current) {
                if (now - t < window) {
                    live++;
                    oldest = Math.min(oldest, t);
                    newest = Math.max(newest, t);
                }
            }
            if (live >= params.limit) {
                if (quota != null) {
                    quota.set(0, newest + window - now);
                }
                return RateLimitDecision.reject(oldest + window - now);
            }
            final long[] next = new long[live + 1];
            int i = 0;
            for (final long t : current) {
                if (now - t < window) {
                    next[i++] = t;
                }
            }
            next[live] = now;
            if (LOG.compareAndSet(this, current, next)) {
                if (quota != null) {
                    quota.set(params.limit - live - 1, Math.max(newest, now) + window - now);
                }
                return RateLimitDecision.admit(0);
            }
        }
    }

    @Override
    public String toString() {
        return "SlidingLogLimiter(limit=" + params.limit + ", window=" + params.windowNanos + "ns)";
    }

    /** The compiled, immutable parameters of one sliding-log policy. */
    static final class Params {
        /** Copying up to 8 KiB per admission is the most we accept on the request path. */
        static final long MAX_LIMIT = 1_024;

        final long limit;
        final long windowNanos;

        Params(long limit, long windowNanos) {
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("limit: " + limit + " (expected: 1.." + MAX_LIMIT
                        + "; use the sliding window for larger limits)");
            }
            if (windowNanos < 1) {
                throw new IllegalArgumentException("window: " + windowNanos + "ns (expected: > 0)");
            }
            this.limit = limit;
            this.windowNanos = windowNanos;
        }
    }
}
