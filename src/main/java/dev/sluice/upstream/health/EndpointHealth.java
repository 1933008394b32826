package dev.sluice.upstream.health;

import dev.sluice.upstream.Endpoint;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Threading: lock-free. Everything except the failure-rate counts is one immutable State in an AtomicReference,
 * replaced by compareAndSet with a pure update; the components that change it (ActiveHealthChecker, OutlierDetector)
 * notify their listener after a winning CAS only, so each change is reported once, by the thread that made it.
 * Reads are one volatile load. The failure-rate counts are a separate AtomicLong (requests in the low 32 bits,
 * failures in the high 32) so that counting a request is one getAndAdd and the detector's evaluation reads and
 * resets both at once with getAndSet, losing nothing.
 *
 * Invariants: ejectedBy != null exactly while the endpoint is ejected, and then names the detector that owns the
 * ejection: the only one that will end it, and whose ejected-endpoint count includes it. After an ejection ends,
 * ejectedUntilNanos keeps its end time, from which the detector decays the multiplier. consecutiveFailures is 0 while
 * ejected: outcomes of requests still in flight when the endpoint was ejected are not counted.
 *
 * The published health, the one listeners hear about, is activeHealthy && ejectedBy == null. isHealthy(now) also
 * treats an ejection whose time is up as over, so the request path never keeps an endpoint out longer than its
 * ejection time even if the readmission timer runs late or could not be scheduled.
 */

/**
 * The live health of one {@link Endpoint}: active-check verdict, outlier ejection, and the consecutive-failure count.
 *
 * <p>One instance per endpoint ({@link Endpoint#health()}), so it survives configuration reloads with the endpoint.
 * Reads are lock-free and cheap enough for the request path; only {@link ActiveHealthChecker} and
 * {@link OutlierDetector} change it.
 */
public final class EndpointHealth {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointHealth.class);
    private static final State INITIAL = new State(true, null, 0, 0, 0, 0, "initially healthy", 0);

    /** Requests (low 32 bits) and failures (high 32 bits) since the outlier detector last evaluated them. */
    final AtomicLong requestCounts = new AtomicLong();
    private final AtomicReference<State> state = new AtomicReference<>(INITIAL);

    /** Creates the health of a new endpoint: actively healthy, never ejected. */
    public EndpointHealth() {
    }

    /** Returns whether requests may go to the endpoint: actively healthy and not ejected at {@code nowNanos}. */
    public boolean isHealthy(long nowNanos) {
        final State s = state.get();
        return s.activeHealthy && !s.isEjected(nowNanos);
    }

    /** Returns whether active checks consider the endpoint healthy (true while none has failed it). */
    public boolean isActiveHealthy() {
        return state.get().activeHealthy;
    }

    /** Returns whether outlier detection has the endpoint ejected at {@code nowNanos}. */
    public boolean isEjected(long nowNanos) {
        return state.get().isEjected(nowNanos);
    }

    /** Returns the end of the current ejection, meaningful only while {@link #isEjected(long)}. */
    public long ejectedUntilNanos() {
        return state.get().ejectedUntilNanos;
    }

    /** Returns how many times outlier detection has ejected the endpoint. */
    public int ejectionCount() {
        return state.get().ejections;
    }

    /** Returns the failures in a row reported since the last success (or ejection). */
    public int consecutiveFailures() {
        return state.get().consecutiveFailures;
    }

    /** Returns all of it, read at once. */
    public HealthSnapshot snapshot(long nowNanos) {
        final State s = state.get();
        final boolean ejected = s.isEjected(nowNanos);
        return new HealthSnapshot(s.activeHealthy && !ejected, s.activeHealthy, ejected,
                ejected ? s.ejectedUntilNanos : 0, s.ejections, s.consecutiveFailures, s.reason, s.changedAtNanos);
    }

    @Override
    public String toString() {
        final State s = state.get();
        return "EndpointHealth(" + (s.published() ? "healthy" : "unhealthy") + ": " + s.reason + ")";
    }

    /**
     * Forgets the active checks' verdict: the endpoint's upstream no longer has active checks, so a failure they
     * found must not keep it out. Tells {@code listener} if that changed the published health.
     */
    public void clearActiveVerdict(Endpoint endpoint, long nowNanos, HealthListener listener) {
        setActiveHealthy(endpoint, true, "active health checks removed", nowNanos, listener);
    }

    State state() {
        return state.get();
    }

    boolean compareAndSet(State expected, State next) {
        return state.compareAndSet(expected, next);
    }

    /** Sets the active-check verdict; tells {@code listener} if that changed the published health. */
    void setActiveHealthy(Endpoint endpoint, boolean healthy, String reason, long nowNanos, HealthListener listener) {
        for (;;) {
            final State current = state.get();
            if (current.activeHealthy == healthy) {
                return;
            }
            final State next = current.withActive(healthy, reason, nowNanos);
            if (state.compareAndSet(current, next)) {
                report(listener, endpoint, current, next);
                return;
            }
        }
    }

    /** Tells {@code listener} of a change from {@code before} to {@code after}, if the published health changed. */
    static void report(HealthListener listener, Endpoint endpoint, State before, State after) {
        if (before.published() == after.published()) {
            return;
        }
        try {
            listener.onHealthChanged(endpoint, after.published(), after.reason);
        } catch (RuntimeException e) {
            // The state has changed already; a failing listener must not stop probes or request accounting.
            LOG.warn("health listener failed for {} ({})", endpoint, after.reason, e);
        }
    }

    /**
     * One immutable health state; the update methods are pure.
     *
     * @param ejectedBy         the detector that owns the current ejection; null when not ejected
     * @param ejectedUntilNanos end of the current or, when not ejected, the last ejection
     * @param multiplier        the ejection-time multiplier of the last ejection, before decay
     */
    record State(boolean activeHealthy, OutlierDetector ejectedBy, long ejectedUntilNanos, int multiplier,
            int ejections, int consecutiveFailures, String reason, long changedAtNanos) {

        boolean published() {
            return activeHealthy && ejectedBy == null;
        }

        boolean isEjected(long nowNanos) {
            return ejectedBy != null && nowNanos - ejectedUntilNanos < 0;
        }

        State withActive(boolean healthy, String why, long nowNanos) {
            return new State(healthy, ejectedBy, ejectedUntilNanos, multiplier, ejections, consecutiveFailures, why,
                    nowNanos);
        }

        State withFailures(int failures) {
            return new State(activeHealthy, ejectedBy, ejectedUntilNanos, multiplier, ejections, failures, reason,
                    changedAtNanos);
        }

        State ejected(OutlierDetector by, long untilNanos, int newMultiplier, String why, long nowNanos) {
            return new State(activeHealthy, by, untilNanos, newMultiplier, ejections + 1, 0, why, nowNanos);
        }

        State readmitted(String why, long nowNanos) {
            return new State(activeHealthy, null, ejectedUntilNanos, multiplier, ejections, 0, why, nowNanos);
        }

        State ownedBy(OutlierDetector detector) {
            return new State(activeHealthy, detector, ejectedUntilNanos, multiplier, ejections, consecutiveFailures,
                    reason, changedAtNanos);
        }
    }
}
