package dev.sluice.policy.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;

/*
 * Threading: lock-free. The state (excess, last) is packed into one long and replaced by one compareAndSet; a failed
 * CAS re-reads and recomputes. Rejections write nothing, exactly as nginx leaves the node untouched on NGX_BUSY.
 *
 * Invariants: state == 0 only for a key never admitted. Otherwise bit 63 is set, bits 25..62 hold `last` (the
 * millisecond of the last admission, modulo 2^38) and bits 0..24 hold `excess` in milli-requests,
 * 0 <= excess <= burst * 1000 <= 2^25 - 1 (hence burst <= 33,554).
 *
 * Algorithm: nginx limit_req [1] as of 1.15.7+ (the version that added delay=N), in its units: a millisecond clock,
 * the rate in milli-requests per second (rate=10r/s is 10,000; rate=N r/m is floor(N * 1000 / 60)), excess in
 * milli-requests. For a request at millisecond now:
 *   new key:   excess = 0                                              (nginx creates the node with excess 0)
 *   otherwise: ms = max(0, now - last)
 *              excess = max(0, excess - rate * ms / 1000 + 1000)       (integer division, truncating)
 *   reject     iff excess > burst * 1000                               (state unchanged)
 *   admit      otherwise: store excess, and last = now unless ms == 0
 *              delay = excess <= delayThreshold ? 0 : (excess - delayThreshold) * 1000 / rate   milliseconds
 * with delayThreshold = delay * 1000 (delay=N), 0 by default, and burst * 1000 for nodelay (nginx sets it to
 * NGX_MAX_INT_T_VALUE / 1000 * 1000; an admitted excess never exceeds burst * 1000, so the two are equivalent).
 * The truncation of `rate * ms / 1000` on every admission is kept on purpose: it is why the state needs both
 * fields, and why a 1r/m zone hit every 50 ms never drains (16 * 50 / 1000 == 0), in nginx and here alike.
 *
 * Deviations: (1) nginx clamps ms < -60000 to 1 for its 32-bit clock wrap; our clock is monotonic, and `last` wraps
 * only after 2^38 ms (8.7 years), beyond which a difference is read modulo 2^38. (2) nginx forgets an idle node
 * (>= 60 s and excess drained, on its LRU sweep) and a forgotten key restarts at excess 0, whereas a node it keeps
 * restarts at max(0, 1000 - drained). Only rates below 1r/s can tell the difference (60 s drains >= 1000 otherwise);
 * we behave as if nginx kept the node, the stricter of the two. (3) One key per limiter; nginx's several limit_req
 * directives per location (max of their delays) compose above this class.
 *
 * References:
 * [1] nginx, src/http/modules/ngx_http_limit_req_module.c, ngx_http_limit_req_lookup and ngx_http_limit_req_account;
 *     documentation: https://nginx.org/en/docs/http/ngx_http_limit_req_module.html
 */

/** A leaky bucket with nginx {@code limit_req} semantics: rate, burst, and optional {@code delay=N} / nodelay. */
final class LeakyBucketLimiter implements LocalLimiter {
    static final int EXCESS_BITS = 25;
    static final long EXCESS_MASK = (1L << EXCESS_BITS) - 1;
    static final int TIME_BITS = 38;
    static final long TIME_MASK = (1L << TIME_BITS) - 1;
    /** Differences at or above this (half the wrap period) are clocks read backwards, clamped to 0 as nginx does. */
    static final long TIME_HALF = 1L << (TIME_BITS - 1);
    static final long USED_BIT = 1L << 63;
    /** nginx counts one request as 1000 milli-requests: excess and rate are fixed point with three decimals. */
    static final long MILLI = 1000;
    static final long MAX_BURST = EXCESS_MASK / MILLI;
    private static final long NANOS_PER_MILLI = 1_000_000;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(LeakyBucketLimiter.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Params params;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile long state;

    LeakyBucketLimiter(Params params) {
        this.params = params;
    }

    @Override
    public RateLimitDecision tryAcquire(long nowNanos) {
        final RateLimitDecision.Quota quota = new RateLimitDecision.Quota();
        return RateLimitDecision.of(decide(nowNanos, quota), params.burst + 1, quota);
    }

    @Override
    public long tryAcquireNanos(long nowNanos) {
        return decide(nowNanos, null);
    }

    @Override
    public long limit() {
        // An idle key admits the first request at excess 0 and burst more up to excess burst * 1000.
        return params.burst + 1;
    }

    @Override
    public long idleHorizonNanos() {
        return params.drainMillis * NANOS_PER_MILLI;
    }

    private long decide(long nowNanos, RateLimitDecision.Quota quota) {
        final long nowMs = Math.floorDiv(nowNanos, NANOS_PER_MILLI);
        final long rate = params.rateMilli;
        for (;;) {
            final long current = (long) STATE.getVolatile(this);
            final long excess;
            final long elapsedMs;
            final long lastMs;
            if (current == 0) {
                excess = 0;
                elapsedMs = 1;
                lastMs = nowMs;
            } else {
                final long previous = current & EXCESS_MASK;
                final long diff = (nowMs - (current >>> EXCESS_BITS)) & TIME_MASK;
                elapsedMs = diff >= TIME_HALF ? 0 : diff;
                lastMs = nowMs - elapsedMs;
                // Beyond drainMillis the result is 0 anyway; capping keeps rate * ms far from overflow.
                final long ms = Math.min(elapsedMs, params.drainMillis);
                excess = Math.max(0, previous - rate * ms / MILLI + MILLI);
            }
            if (excess > params.burstMilli) {
                final long previous = current & EXCESS_MASK;
                // Smallest ms since `last` with floor(rate * ms / 1000) >= previous + 1000 - burst * 1000.
                final long needMs = ceilDiv((previous + MILLI - params.burstMilli) * MILLI, rate);
                final long retryAtNanos = (lastMs + needMs) * NANOS_PER_MILLI;
                if (quota != null) {
                    quota.set(0, (lastMs + ceilDiv((previous + MILLI) * MILLI, rate)) * NANOS_PER_MILLI
                            - nowNanos);
                }
                return RateLimitDecision.reject(Math.max(1, retryAtNanos - nowNanos));
            }
            // nginx moves `last` only when ms != 0; with ms == 0 the stored millisecond already equals now.
            final long storedMs = elapsedMs == 0 ? (current >>> EXCESS_BITS) & TIME_MASK : nowMs & TIME_MASK;
            final long next = USED_BIT | (storedMs << EXCESS_BITS) | excess;
            if (STATE.compareAndSet(this, current, next)) {
                final long delayMs = excess <= params.delayMilli ? 0 : (excess - params.delayMilli) * MILLI / rate;
                if (quota != null) {
                    // Idle again once the next request would find excess 0, i.e. after (excess + 1000) drains.
                    quota.set((params.burstMilli - excess) / MILLI,
                            (nowMs + ceilDiv((excess + MILLI) * MILLI, rate)) * NANOS_PER_MILLI - nowNanos);
                }
                return RateLimitDecision.admit(delayMs * NANOS_PER_MILLI);
            }
        }
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    @Override
    public String toString() {
        return "LeakyBucketLimiter(rate=" + params.rateMilli + "mr/s, burst=" + params.burst + ", delay="
                + params.delayMilli / MILLI + ")";
    }

    /** The compiled, immutable parameters of one leaky-bucket policy, in nginx's units. */
    static final class Params {
        /** Milli-requests per second, floor(permits * 1000 / period in seconds), as nginx computes ctx->rate. */
        final long rateMilli;
        final long burst;
        final long burstMilli;
        final long delayMilli;
        /** Milliseconds after which any stored excess, plus the next request's 1000, has drained to 0. */
        final long drainMillis;

        Params(long permits, long periodNanos, long burst, long delay) {
            if (permits < 1) {
                throw new IllegalArgumentException("permits: " + permits + " (expected: >= 1)");
            }
            if (burst < 0 || burst > MAX_BURST) {
                throw new IllegalArgumentException("burst: " + burst + " (expected: 0.." + MAX_BURST + ")");
            }
            if (delay < 0 || delay > burst) {
                throw new IllegalArgumentException("delay: " + delay + " (expected: 0..burst=" + burst + ")");
            }
            final BigInteger milli = BigInteger.valueOf(permits)
                    .multiply(BigInteger.valueOf(MILLI * 1_000_000_000L))
                    .divide(BigInteger.valueOf(periodNanos));
            if (milli.signum() == 0 || milli.bitLength() > 40) {
                throw new IllegalArgumentException("rate: " + permits + " per " + periodNanos
                        + "ns (expected: between 0.001 and 10^9 requests per second)");
            }
            this.rateMilli = milli.longValueExact();
            this.burst = burst;
            this.burstMilli = burst * MILLI;
            this.delayMilli = delay * MILLI;
            this.drainMillis = ceilDiv((burstMilli + MILLI) * MILLI, rateMilli);
        }
    }
}
