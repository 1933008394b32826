package dev.sluice.policy.concurrency;

/** A fixed concurrency limit set by the operator; samples are ignored. */
public final class StaticLimit implements ConcurrencyLimit {
    private final int max;

    /** Creates a limit of {@code max} requests in flight. */
    public StaticLimit(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max: " + max + " (expected: >= 1)");
        }
        this.max = max;
    }

    @Override
    public int limit() {
        return max;
    }

    @Override
    public void onSample(long rttNanos, int inFlight, boolean dropped) {
        // Fixed by configuration.
    }

    @Override
    public String toString() {
        return "StaticLimit(" + max + ")";
    }
}
