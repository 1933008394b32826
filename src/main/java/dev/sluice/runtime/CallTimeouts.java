package dev.sluice.runtime;

import dev.sluice.config.TimeoutsSpec;
import java.time.Duration;

/**
 * The timeouts of one route's calls to one upstream, in nanoseconds: where the route and the upstream both set a
 * timeout, the tighter wins.
 *
 * @param connectNanos per attempt: opening the connection (or waiting for a pooled one)
 * @param perTryNanos  per attempt: from the request sent to the response head
 * @param totalNanos   across all attempts and back-offs, to the response head; 0 for none
 */
public record CallTimeouts(long connectNanos, long perTryNanos, long totalNanos) {
    /** Combines a route's timeouts with its upstream's. */
    public static CallTimeouts of(TimeoutsSpec route, TimeoutsSpec upstream) {
        return new CallTimeouts(
                tighter(route.connect(), upstream.connect(), TimeoutsSpec.DEFAULT_CONNECT),
                tighter(route.perTry(), upstream.perTry(), TimeoutsSpec.DEFAULT_PER_TRY),
                tighter(route.total(), upstream.total(), Duration.ZERO));
    }

    private static long tighter(Duration a, Duration b, Duration fallback) {
        if (a == null && b == null) {
            return fallback.toNanos();
        }
        if (a == null || b == null) {
            return (a == null ? b : a).toNanos();
        }
        return Math.min(a.toNanos(), b.toNanos());
    }

    /** The connect timeout as Netty takes it, at least 1 ms. */
    public int connectMillis() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectNanos / 1_000_000));
    }
}
