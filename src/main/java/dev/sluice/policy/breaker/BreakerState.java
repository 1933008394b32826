package dev.sluice.policy.breaker;

/** The state of a {@link CircuitBreaker}: calls flow (CLOSED), are refused (OPEN), or a few probe (HALF_OPEN). */
public enum BreakerState {
    /** Calls are permitted and their outcomes counted in the sliding window. */
    CLOSED,
    /** Calls are refused until the open period ends. */
    OPEN,
    /** A fixed number of trial calls is permitted; their outcomes decide between CLOSED and OPEN. */
    HALF_OPEN
}
