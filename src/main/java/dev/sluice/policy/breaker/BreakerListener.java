package dev.sluice.policy.breaker;

/**
 * Receives every state transition of a {@link CircuitBreaker}, exactly once each.
 *
 * <p>It is called in the thread whose compare-and-set made the transition, right after it, so on an event loop: it
 * must be quick and must not block. Two transitions made by different threads may arrive out of order, or at the
 * same time; {@link BreakerSnapshot#generation()} orders them. An exception it throws is logged and otherwise
 * ignored: the transition has happened regardless.
 */
@FunctionalInterface
public interface BreakerListener {
    /** A listener that does nothing. */
    BreakerListener NONE = (breaker, from, to, figures) -> { };

    /**
     * Called after {@code breaker} moved from {@code from} to {@code to}.
     *
     * @param figures the new state's snapshot as of the transition, with the call counts that caused it: the window
     *                that tripped (to OPEN from CLOSED), the trial calls (from HALF_OPEN), or the counts that had
     *                opened it (OPEN to HALF_OPEN)
     */
    void onTransition(CircuitBreaker breaker, BreakerState from, BreakerState to, BreakerSnapshot figures);
}
