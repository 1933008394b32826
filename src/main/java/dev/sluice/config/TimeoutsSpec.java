package dev.sluice.config;

import java.time.Duration;

/**
 * Timeouts of the upstream call, on an upstream and on a route; where both set one, the tighter wins.
 *
 * <pre>{@code
 * timeouts: { connect: 2s, per_try: 5s, total: 15s }
 * }</pre>
 *
 * @param connect time allowed to open a connection to a target, per attempt
 * @param perTry  time from the request being sent to the response head, per attempt
 * @param total   time from the first attempt (or the end of the request body, if later) to the response head,
 *                across every attempt and back-off; {@code null} means no limit beyond the per-try ones
 */
public record TimeoutsSpec(Duration connect, Duration perTry, Duration total) {
    /** Upstream connect timeout when neither the upstream nor the route sets one. */
    public static final Duration DEFAULT_CONNECT = Duration.ofSeconds(5);
    /** Upstream per-try timeout when neither the upstream nor the route sets one. */
    public static final Duration DEFAULT_PER_TRY = Duration.ofSeconds(60);

    /** Nothing set: everything inherited. */
    public static TimeoutsSpec none() {
        return new TimeoutsSpec(null, null, null);
    }
}
