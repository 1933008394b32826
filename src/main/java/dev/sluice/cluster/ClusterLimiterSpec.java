package dev.sluice.cluster;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.time.Duration;

/**
 * The parameters of one cluster-wide limiter: which algorithm, and its rate, burst, limit and window.
 *
 * <p>Each algorithm has the semantics of its local twin in {@code dev.sluice.policy.ratelimit} (same admissions,
 * delays and retry-after for the same arrival times) and accepts the same parameter ranges, with one addition forced
 * by Lua: its numbers are doubles, exact only below 2^53, so the few products a script forms are bounded here (a
 * token bucket's depth and a sliding window's {@code limit * window} must stay below 2^53 ns and 2^53 us, i.e. about
 * 104 days and, for a limit of a million, 104 days / 10^6 * 1000 = 2.5 hours). Windows and lease times are whole
 * microseconds, the resolution of Redis {@code TIME}.
 *
 * <pre>{@code
 * final ClusterLimiterSpec spec = ClusterLimiterSpec.tokenBucket(100, Duration.ofSeconds(1), 50);
 * limiter.decide(spec, "users-api/rate_limit", consumerId)
 *         .whenCompleteAsync((decision, failure) -> ..., ctx.executor());
 * }</pre>
 */
public sealed interface ClusterLimiterSpec {
    /** Returns the configured limit reported in {@link ClusterDecision#limit()}. */
    long limit();

    /** A token bucket of capacity {@code burst} refilled with {@code permits} tokens per {@code period}. */
    static TokenBucket tokenBucket(long permits, Duration period, long burst) {
        return new TokenBucket(permits, period, burst);
    }

    /** An nginx {@code limit_req} leaky bucket; {@code delay} is {@code delay=N} (0 by default, burst = nodelay). */
    static LeakyBucket leakyBucket(long permits, Duration period, long burst, long delay) {
        return new LeakyBucket(permits, period, burst, delay);
    }

    /** At most {@code limit} admissions per epoch-aligned {@code window}. */
    static FixedWindow fixedWindow(long limit, Duration window) {
        return new FixedWindow(limit, window);
    }

    /** The weighted previous-plus-current window estimate of at most {@code limit} admissions per {@code window}. */
    static SlidingWindow slidingWindow(long limit, Duration window) {
        return new SlidingWindow(limit, window);
    }

    /** Exactly at most {@code limit} admissions in any interval of length {@code window}. */
    static SlidingLog slidingLog(long limit, Duration window) {
        return new SlidingLog(limit, window);
    }

    /** At most {@code limit} requests in flight at once; a lease not released within {@code leaseTime} expires. */
    static Concurrency concurrency(long limit, Duration leaseTime) {
        return new Concurrency(limit, leaseTime);
    }

    /**
     * A token bucket kept as a GCRA theoretical arrival time.
     *
     * @param permits tokens added per period (>= 1)
     * @param period  the refill period; {@code period / permits} is at least 1 ns
     * @param burst   the capacity (>= 1); a new bucket is full
     */
    record TokenBucket(long permits, Duration period, long burst) implements ClusterLimiterSpec {
        /** Validates the ranges above. */
        public TokenBucket {
            requireNonNull(period, "period");
            if (permits < 1) {
                throw new IllegalArgumentException("permits: " + permits + " (expected: >= 1)");
            }
            if (burst < 1) {
                throw new IllegalArgumentException("burst: " + burst + " (expected: >= 1)");
            }
            final long interval = period.toNanos() / permits;
            if (interval < 1) {
                throw new IllegalArgumentException("rate: " + permits + " per " + period
                        + " (expected: at most one permit per nanosecond)");
            }
            if (Math.multiplyHigh(burst, interval) != 0 || burst * interval >= LuaScript.EXACT_LIMIT) {
                throw new IllegalArgumentException("burst: " + burst + " (expected: burst * period / permits"
                        + " < 2^53 ns, about 104 days)");
            }
        }

        /** Nanoseconds per token, floored as the local limiter floors it. */
        long intervalNanos() {
            return period.toNanos() / permits;
        }

        /** The bucket depth in nanoseconds. */
        long depthNanos() {
            return burst * intervalNanos();
        }

        @Override
        public long limit() {
            return burst;
        }
    }

    /**
     * A leaky bucket with nginx {@code limit_req} semantics, in nginx's units.
     *
     * @param permits requests per period (>= 1); the rate is floor(permits * 1000 / period in seconds) milli-requests
     *                per second, between 0.001 and 10^9 requests per second
     * @param period  the rate's period
     * @param burst   requests queued beyond the rate (0..33,554, the local limiter's range)
     * @param delay   the first {@code delay} excess requests are forwarded without delay (0..burst; burst = nodelay)
     */
    record LeakyBucket(long permits, Duration period, long burst, long delay) implements ClusterLimiterSpec {
        /** Same as {@code LeakyBucketLimiter.MAX_BURST}: 25 bits of milli-requests. */
        static final long MAX_BURST = ((1L << 25) - 1) / 1000;

        /** Validates the ranges above. */
        public LeakyBucket {
            requireNonNull(period, "period");
            if (permits < 1) {
                throw new IllegalArgumentException("permits: " + permits + " (expected: >= 1)");
            }
            if (burst < 0 || burst > MAX_BURST) {
                throw new IllegalArgumentException("burst: " + burst + " (expected: 0.." + MAX_BURST + ")");
            }
            if (delay < 0 || delay > burst) {
                throw new IllegalArgumentException("delay: " + delay + " (expected: 0..burst=" + burst + ")");
            }
            final BigInteger milli = rateMilli(permits, period);
            if (milli.signum() == 0 || milli.bitLength() > 40) {
                throw new IllegalArgumentException("rate: " + permits + " per " + period
                        + " (expected: between 0.001 and 10^9 requests per second)");
            }
        }

        private static BigInteger rateMilli(long permits, Duration period) {
            return BigInteger.valueOf(permits)
                    .multiply(BigInteger.valueOf(1_000L * 1_000_000_000L))
                    .divide(BigInteger.valueOf(period.toNanos()));
        }

        /** Milli-requests per second, as nginx computes {@code ctx->rate}. */
        long rateMilli() {
            return rateMilli(permits, period).longValueExact();
        }

        /** Milliseconds after which any stored excess plus the next request's 1000 has drained to 0. */
        long drainMillis() {
            final long rate = rateMilli();
            return -Math.floorDiv(-(burst * 1000 + 1000) * 1000, rate);
        }

        @Override
        public long limit() {
            // An idle key admits the first request at excess 0 and burst more up to excess burst * 1000.
            return burst + 1;
        }
    }

    /**
     * A fixed-window counter.
     *
     * @param limit  admissions per window (1..2^24, the local limiter's range)
     * @param window the window length, whole microseconds; windows are aligned to the Unix epoch
     */
    record FixedWindow(long limit, Duration window) implements ClusterLimiterSpec {
        /** Validates the ranges above. */
        public FixedWindow {
            checkLimit(limit, 1L << 24, "");
            checkMicros(window, "window");
        }
    }

    /**
     * The weighted two-window sliding estimate.
     *
     * @param limit  admissions per window (1..2^21 - 1, the local limiter's range; limit * window < 2^53 us)
     * @param window the window length, whole microseconds; windows are aligned to the Unix epoch
     */
    record SlidingWindow(long limit, Duration window) implements ClusterLimiterSpec {
        /** Validates the ranges above. */
        public SlidingWindow {
            checkLimit(limit, (1L << 21) - 1, "");
            checkMicros(window, "window");
            final long micros = window.toNanos() / 1000;
            if (micros >= LuaScript.EXACT_LIMIT / limit) {
                throw new IllegalArgumentException("window: " + window + " (expected: limit * window < 2^53 us;"
                        + " at most " + Duration.ofNanos((LuaScript.EXACT_LIMIT / limit - 1) * 1000)
                        + " for a limit of " + limit + ")");
            }
        }
    }

    /**
     * The exact sliding log.
     *
     * @param limit  admissions in any interval of length {@code window} (1..1,024, the local limiter's range)
     * @param window the window length, whole microseconds
     */
    record SlidingLog(long limit, Duration window) implements ClusterLimiterSpec {
        /** Validates the ranges above. */
        public SlidingLog {
            checkLimit(limit, 1_024, "; use the sliding window for larger limits");
            checkMicros(window, "window");
        }
    }

    /**
     * A concurrency limit with expiring leases.
     *
     * @param limit     requests in flight at once (>= 1)
     * @param leaseTime how long a lease lives if never released: longer than any request can last, short enough that
     *                  a crashed instance's leases come back soon (whole microseconds)
     */
    record Concurrency(long limit, Duration leaseTime) implements ClusterLimiterSpec {
        /** Validates the ranges above. */
        public Concurrency {
            checkLimit(limit, Long.MAX_VALUE, "");
            checkMicros(leaseTime, "leaseTime");
        }
    }

    private static void checkLimit(long limit, long max, String hint) {
        if (limit < 1 || limit > max) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: 1.." + max + hint + ")");
        }
    }

    private static void checkMicros(Duration duration, String name) {
        requireNonNull(duration, name);
        // Under 2^53 us, so window ends stay exact in Lua; 285 years is more than any window needs.
        if (duration.toNanos() < 1000 || duration.toNanos() % 1000 != 0) {
            throw new IllegalArgumentException(name + ": " + duration
                    + " (expected: a positive whole number of microseconds, the resolution of Redis TIME)");
        }
    }
}
