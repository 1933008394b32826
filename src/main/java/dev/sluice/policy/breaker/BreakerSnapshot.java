package dev.sluice.policy.breaker;

/**
 * The figures of one {@link CircuitBreaker} at one instant, for an admin API, a dashboard or a transition event.
 *
 * <p>What the call counts describe depends on the state: in {@link BreakerState#CLOSED} the calls in the sliding
 * window now; in {@link BreakerState#OPEN} the counts that opened it, the window's or the trials' (the reason); in
 * {@link BreakerState#HALF_OPEN} the trial calls that have reported so far.
 *
 * @param state             the state
 * @param generation        the number of transitions before this state; orders events that listeners receive from
 *                          different threads, and is what a permit of this state carries
 * @param calls             the number of calls counted (see above)
 * @param failedCalls       how many of them failed
 * @param slowCalls         how many of them were slow (a slow failure counts in both)
 * @param openRemainingNanos the time left until trial calls are let through; 0 unless OPEN
 * @param trialPermitsInUse the trial calls permitted and not yet reported; 0 unless HALF_OPEN
 */
public record BreakerSnapshot(BreakerState state, long generation, long calls, long failedCalls, long slowCalls,
        long openRemainingNanos, int trialPermitsInUse) {
    /** Returns {@code failedCalls / calls}, or 0 with no calls. */
    public double failureRate() {
        return rate(failedCalls, calls);
    }

    /** Returns {@code slowCalls / calls}, or 0 with no calls. */
    public double slowCallRate() {
        return rate(slowCalls, calls);
    }

    static double rate(long part, long calls) {
        return calls == 0 ? 0 : (double) part / calls;
    }
}
