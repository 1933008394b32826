package dev.sluice.policy.ratelimit;

/**
 * A direct, single-threaded transcription of nginx limit_req's per-node arithmetic (two plain fields, no packing),
 * the reference {@link LeakyBucketLimiter} is checked against. Returns the delay in ms, or -1 for a rejection.
 */
final class NginxLimitReqModel {
    private final long rate;
    private final long burst;
    private final long delay;
    private boolean exists;
    private long excess;
    private long last;

    /** Parameters in nginx's units: rate in milli-requests per second, burst and delay in requests. */
    NginxLimitReqModel(long rate, long burst, long delay) {
        this.rate = rate;
        this.burst = burst * 1000;
        this.delay = delay * 1000;
    }

    long request(long nowMs) {
        final long e;
        if (!exists) {
            e = 0;
        } else {
            final long ms = Math.max(0, nowMs - last);
            e = Math.max(0, excess - rate * ms / 1000 + 1000);
        }
        if (e > burst) {
            return -1;
        }
        if (!exists || nowMs != last) {
            last = nowMs;
        }
        exists = true;
        excess = e;
        return e <= delay ? 0 : (e - delay) * 1000 / rate;
    }
}
