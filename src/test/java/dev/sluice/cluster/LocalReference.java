package dev.sluice.cluster;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Straight single-threaded transcriptions of the local limiters' arithmetic (dev.sluice.policy.ratelimit, in
 * nanoseconds, with Java's long and BigInteger), the oracle the Lua scripts are compared with. No CAS, no bit
 * packing: only the decision rules, so a difference in a comparison is a difference in semantics.
 */
final class LocalReference {
    private LocalReference() {
    }

    /** One decision per arrival time in nanoseconds. */
    interface Model {
        ClusterDecision decide(long nowNanos);
    }

    static Model of(ClusterLimiterSpec spec) {
        if (spec instanceof ClusterLimiterSpec.TokenBucket tb) {
            return tokenBucket(tb.intervalNanos(), tb.depthNanos(), tb.burst());
        } else if (spec instanceof ClusterLimiterSpec.LeakyBucket lb) {
            return leakyBucket(lb.rateMilli(), lb.burst() * 1000, lb.delay() * 1000, lb.drainMillis(), lb.limit());
        } else if (spec instanceof ClusterLimiterSpec.FixedWindow fw) {
            return fixedWindow(fw.limit(), fw.window().toNanos());
        } else if (spec instanceof ClusterLimiterSpec.SlidingWindow sw) {
            return slidingWindow(sw.limit(), sw.window().toNanos());
        } else if (spec instanceof ClusterLimiterSpec.SlidingLog sl) {
            return slidingLog(sl.limit(), sl.window().toNanos());
        }
        throw new IllegalArgumentException(spec.toString());
    }

    private static Model tokenBucket(long interval, long depth, long capacity) {
        final long[] tat = {Long.MIN_VALUE};
        return now -> {
            final long newTat = Math.max(tat[0], now) + interval;
            final long debt = newTat - now;
            if (debt > depth) {
                return decision(false, capacity, 0, tat[0] - now, debt - depth, 0);
            }
            tat[0] = newTat;
            return decision(true, capacity, (depth - debt) / interval, debt, 0, 0);
        };
    }

    private static Model leakyBucket(long rate, long burstMilli, long delayMilli, long drainMillis, long limit) {
        // {used, excess, last ms}
        final long[] state = {0, 0, 0};
        return nowNanos -> {
            final long nowMs = Math.floorDiv(nowNanos, 1_000_000L);
            final long excess;
            final long elapsedMs;
            final long previous = state[1];
            if (state[0] == 0) {
                excess = 0;
                elapsedMs = 1;
            } else {
                elapsedMs = Math.max(0, nowMs - state[2]);
                excess = Math.max(0, previous - rate * Math.min(elapsedMs, drainMillis) / 1000 + 1000);
            }
            final long lastMs = nowMs - elapsedMs;
            if (excess > burstMilli) {
                final long needMs = ceilDiv((previous + 1000 - burstMilli) * 1000, rate);
                final long retry = Math.max(1, (lastMs + needMs) * 1_000_000L - nowNanos);
                final long reset = (lastMs + ceilDiv((previous + 1000) * 1000, rate)) * 1_000_000L - nowNanos;
                return decision(false, limit, 0, reset, retry, 0);
            }
            if (state[0] == 0 || elapsedMs != 0) {
                state[2] = nowMs;
            }
            state[0] = 1;
            state[1] = excess;
            final long delayMs = excess <= delayMilli ? 0 : (excess - delayMilli) * 1000 / rate;
            final long reset = (nowMs + ceilDiv((excess + 1000) * 1000, rate)) * 1_000_000L - nowNanos;
            return decision(true, limit, (burstMilli - excess) / 1000, reset, 0, delayMs * 1_000_000L);
        };
    }

    private static Model fixedWindow(long limit, long windowNanos) {
        // {window index, count}
        final long[] state = {Long.MIN_VALUE, 0};
        return now -> {
            final long window = Math.floorDiv(now, windowNanos);
            final long untilEnd = (window + 1) * windowNanos - now;
            final long count = state[0] == window ? state[1] : 0;
            if (count >= limit) {
                return decision(false, limit, 0, untilEnd, untilEnd, 0);
            }
            state[0] = window;
            state[1] = count + 1;
            return decision(true, limit, limit - count - 1, untilEnd, 0, 0);
        };
    }

    private static Model slidingWindow(long limit, long w) {
        // {window index, previous, current}
        final long[] state = {Long.MIN_VALUE, 0, 0};
        return now -> {
            final long window = Math.floorDiv(now, w);
            final long remaining = window * w + w - now;
            final long cur;
            final long prev;
            if (state[0] == window) {
                prev = state[1];
                cur = state[2];
            } else if (state[0] == window - 1) {
                prev = state[2];
                cur = 0;
            } else {
                prev = 0;
                cur = 0;
            }
            final long weighted = mulDivCeil(prev, remaining, w);
            if (weighted + cur + 1 > limit) {
                final long retry = cur + 1 <= limit
                        ? remaining - mulDivFloor(limit - cur - 1, w, prev)
                        : remaining + (w - mulDivFloor(limit - 1, w, cur));
                return decision(false, limit, 0, slidingReset(cur, prev, remaining, w), retry, 0);
            }
            state[0] = window;
            state[1] = prev;
            state[2] = cur + 1;
            return decision(true, limit, limit - weighted - cur - 1, slidingReset(cur + 1, prev, remaining, w), 0, 0);
        };
    }

    private static long slidingReset(long cur, long prev, long remaining, long w) {
        if (cur > 0) {
            return remaining + w;
        }
        return prev > 0 ? remaining : 0;
    }

    private static Model slidingLog(long limit, long window) {
        final List<Long> log = new ArrayList<>();
        return now -> {
            log.removeIf(t -> now - t >= window);
            long oldest = Long.MAX_VALUE;
            long newest = Long.MIN_VALUE;
            for (final long t : log) {
                oldest = Math.min(oldest, t);
                newest = Math.max(newest, t);
            }
            if (log.size() >= limit) {
                return decision(false, limit, 0, newest + window - now, oldest + window - now, 0);
            }
            log.add(now);
            return decision(true, limit, limit - log.size(), Math.max(newest, now) + window - now, 0, 0);
        };
    }

    private static ClusterDecision decision(boolean allowed, long limit, long remaining, long reset, long retry,
            long delay) {
        return new ClusterDecision(allowed, limit, remaining, reset, retry, delay, null);
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    private static long mulDivFloor(long a, long b, long c) {
        return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divide(BigInteger.valueOf(c)).longValueExact();
    }

    private static long mulDivCeil(long a, long b, long c) {
        final BigInteger[] qr = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b))
                .divideAndRemainder(BigInteger.valueOf(c));
        return qr[0].longValueExact() + (qr[1].signum() == 0 ? 0 : 1);
    }
}
