package dev.sluice.policy.concurrency;

/**
 * How many requests may be in flight at once through one {@link ConcurrencyGate}: fixed, or learned from latency.
 *
 * <p>Implementations are shared by every event loop: {@link #limit()} is read on each admission and must cost no more
 * than a volatile read; {@link #onSample} is called concurrently from every loop and must not block.
 */
public interface ConcurrencyLimit {
    /** Returns the current limit, at least 1. */
    int limit();

    /**
     * Feeds the outcome of one request admitted under this limit, when it ends.
     *
     * @param rttNanos the time from sending the request upstream to receiving its response head
     * @param inFlight the number of requests in flight through the gate when this one ended, itself included
     * @param dropped  whether the request timed out or the upstream signalled overload (503, 504, connect failure):
     *                 a congestion signal whose {@code rttNanos} is not a latency measurement
     */
    void onSample(long rttNanos, int inFlight, boolean dropped);
}
