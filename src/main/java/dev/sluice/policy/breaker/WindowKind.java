package dev.sluice.policy.breaker;

/** How a {@link CircuitBreaker}'s sliding window is measured. */
public enum WindowKind {
    /** The last {@code windowSize} calls. */
    COUNT,
    /** The calls that ended in the last {@code windowSize} seconds, in ten buckets of a tenth of the window each. */
    TIME
}
