package dev.sluice.cluster;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Threading: lock-free, called from any thread (event loops included). The whole state is one immutable State in an
 * AtomicReference; transitions are CAS with pure update functions, and logging runs after a winning CAS only.
 *
 * Invariants: state is UP, or DOWN with the time Redis went down and the earliest time of the next trial call.
 * While DOWN, at most one call per probe interval is let through (the CAS on nextTrialNanos elects it), so an outage
 * costs the fleet one timed-out call per instance per interval instead of one per request.
 *
 * Algorithm: a two-state breaker (closed / open with one trial call, as a circuit breaker's half-open with one
 * permit). UP -> DOWN on a failure that means "Redis is unavailable" (timeout, connection loss, LOADING, READONLY,
 * ...); DOWN -> UP on any success. The instance heartbeat runs once a second and is an ordinary caller, so it doubles
 * as the background probe: recovery is noticed within about one interval even when no request arrives.
 */

/**
 * Tracks whether Redis is answering, so that calls fail fast while it is not.
 *
 * <p>When a call fails because Redis is down or slow, the tracker turns <em>down</em>; from then on calls are
 * refused at once with {@link RedisUnavailableException} (no network, no timeout wait), except one trial call per
 * probe interval. The first success turns it <em>up</em> again.
 */
public final class RedisHealth {
    private static final Logger LOG = LoggerFactory.getLogger(RedisHealth.class);
    private static final State UP = new State(true, 0, 0);

    private final LongSupplier nanoClock;
    private final long probeIntervalNanos;
    private final AtomicReference<State> state = new AtomicReference<>(UP);

    /**
     * Creates a tracker that starts up.
     *
     * @param probeInterval how long to refuse calls after a failure before letting one trial call through
     * @param nanoClock     a monotonic nanosecond clock ({@code System::nanoTime}; tests pass a fake)
     */
    RedisHealth(Duration probeInterval, LongSupplier nanoClock) {
        requireNonNull(probeInterval, "probeInterval");
        if (probeInterval.isNegative() || probeInterval.isZero()) {
            throw new IllegalArgumentException("probeInterval: " + probeInterval + " (expected: > 0)");
        }
        this.probeIntervalNanos = probeInterval.toNanos();
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
    }

    /** Returns whether the last call (or trial) succeeded, i.e. Redis is believed reachable. */
    public boolean isUp() {
        return state.get().up;
    }

    /** Returns how long Redis has been down, or {@link Duration#ZERO} when it is up. */
    public Duration downFor() {
        final State current = state.get();
        return current.up ? Duration.ZERO : Duration.ofNanos(nanoClock.getAsLong() - current.downSinceNanos);
    }

    /**
     * Returns whether a call may go to Redis now: always while up; while down, for exactly one caller per probe
     * interval (the trial), whose outcome must be reported through {@link #onSuccess()} or {@link #onFailure()}.
     */
    boolean tryAcquirePermission() {
        for (;;) {
            final State current = state.get();
            if (current.up) {
                return true;
            }
            final long now = nanoClock.getAsLong();
            if (now - current.nextTrialNanos < 0) {
                return false;
            }
            if (state.compareAndSet(current, new State(false, current.downSinceNanos, now + probeIntervalNanos))) {
                return true;
            }
        }
    }

    /** Records a call that Redis answered. */
    void onSuccess() {
        final State previous = state.getAndSet(UP);
        if (!previous.up) {
            LOG.info("Redis is reachable again after {} ms",
                    (nanoClock.getAsLong() - previous.downSinceNanos) / 1_000_000);
        }
    }

    /** Records a call that failed because Redis is unavailable (not one that failed for its own reasons). */
    void onFailure() {
        for (;;) {
            final State current = state.get();
            if (!current.up) {
                // Already down: the trial's CAS set the next trial time; a late failure of an older call changes
                // nothing.
                return;
            }
            final long now = nanoClock.getAsLong();
            if (state.compareAndSet(current, new State(false, now, now + probeIntervalNanos))) {
                LOG.warn("Redis is unavailable; failing cluster calls fast, next trial in {} ms",
                        probeIntervalNanos / 1_000_000);
                return;
            }
        }
    }

    @Override
    public String toString() {
        return isUp() ? "RedisHealth(up)" : "RedisHealth(down for " + downFor().toMillis() + " ms)";
    }

    private record State(boolean up, long downSinceNanos, long nextTrialNanos) {
    }
}
