package dev.sluice.policy.breaker;

import dev.sluice.common.Ticker;

/*
 * Threading: lock-free, many recording threads, no allocation per call. Subclasses keep their counts in plain
 * fields changed by atomic adds; a reader sums them without a lock, so under concurrency it may see a call's
 * failure before its call (the counts are clamped) or miss a call that is being recorded. Decisions are exact for
 * sequential calls (the property test checks them against a model that re-evaluates after every call).
 *
 * Algorithm: when to evaluate the thresholds. A fast success never raises a rate, so it can only trip the breaker
 * when it brings the window up to minimumCalls or when calls have expired out of the window since the last
 * evaluation. So failures and slow calls are always evaluated, and a fast success only when it fills a slot that was
 * empty (count window: the window is still filling) or brings its bucket to at most minimumCalls calls (time window:
 * this covers the first call of a new bucket, the only moment calls expire). Skipping the others is exact for
 * sequential calls: by induction, the window just before such a success held at least minimumCalls calls, none had
 * expired since, and it did not trip; adding a fast success lowers both rates, and a count window's eviction does
 * not raise them either.
 */

/** The sliding window of one CLOSED generation of a {@link CircuitBreaker}. */
abstract class Window {
    /** Outcome bits; an outcome is CALL plus any of FAILED and SLOW, and 0 is an empty slot. */
    static final int CALL = 1;
    static final int FAILED = 2;
    static final int SLOW = 4;

    final int minimumCalls;
    private final double failureRateThreshold;
    private final double slowCallRateThreshold;
    private final boolean tracksSlowCalls;

    Window(BreakerSettings settings) {
        this.minimumCalls = settings.minimumCalls();
        this.failureRateThreshold = settings.failureRateThreshold();
        this.slowCallRateThreshold = settings.slowCallRateThreshold();
        this.tracksSlowCalls = settings.tracksSlowCalls();
    }

    static Window of(BreakerSettings settings, Ticker ticker) {
        return settings.window() == WindowKind.COUNT ? new CountWindow(settings) : new TimeWindow(settings, ticker);
    }

    /** Records one outcome; returns the window's counts if they now reach a threshold, else null. */
    abstract Counts record(int outcome);

    /** Returns the counts of the calls now in the window. */
    abstract Counts counts();

    /** Returns the (clamped) counts if they reach a threshold, else null; allocates only then. */
    final Counts tripping(long calls, long failed, long slow) {
        final long c = Math.max(0, calls);
        final long f = clamp(failed, c);
        final long s = clamp(slow, c);
        if (c < minimumCalls) {
            return null;
        }
        // Division, not threshold * calls: 3 / 10 >= 0.3 holds in doubles, 0.3 * 10 <= 3 does not.
        final boolean trips = (double) f / c >= failureRateThreshold
                || tracksSlowCalls && (double) s / c >= slowCallRateThreshold;
        return trips ? new Counts(c, f, s) : null;
    }

    private static long clamp(long part, long calls) {
        return Math.min(calls, Math.max(0, part));
    }

    /** Call counts; {@code failed} and {@code slow} never exceed {@code calls}. */
    record Counts(long calls, long failed, long slow) {
        static final Counts ZERO = new Counts(0, 0, 0);

        /** Builds counts from figures read without a lock, which may be out of step with each other by a call. */
        static Counts clamped(long calls, long failed, long slow) {
            final long c = Math.max(0, calls);
            return new Counts(c, clamp(failed, c), clamp(slow, c));
        }
    }
}
