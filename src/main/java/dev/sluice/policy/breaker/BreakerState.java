package dev.sluice.policy.breaker;

/** The state of a {@link CircuitBreaker}: calls flow (CLOSED), are refused (OPEN), or a few are let through to probe. */
public enum BreakerState {
    /** Calls are permitted and their outcomes counted in the sliding window. */
    CLOSED,
    /** Calls are refused until the open period ends. */
    OPEN,
    /** A fixed number of trial calls is permitted; their outcomes decide between CLOSED and OPEN. */
    HALF_OPEN
}
